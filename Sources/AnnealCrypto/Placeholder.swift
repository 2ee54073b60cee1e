// AnnealCrypto
