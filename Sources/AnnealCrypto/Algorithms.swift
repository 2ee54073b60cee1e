import CCrypto

/// OpenSSL 3 looks algorithms up by name on every implicit use (`EVP_sha256()` inside
/// `EVP_DigestInit_ex` triggers a fetch each time). Fetching once per process and reusing the
/// result takes that lookup, and its lock, off every hash we compute.
struct FetchedAlgorithm: @unchecked Sendable {
    // The fetched objects are immutable and OpenSSL documents them as safe to share between
    // threads; they are never freed because they live as long as the process.
    let pointer: OpaquePointer
}

enum Algorithms {
    static let sha256: FetchedAlgorithm = fetchDigest("SHA256")
    static let md5: FetchedAlgorithm = fetchDigest("MD5")
    static let aes256gcm: FetchedAlgorithm = {
        guard let cipher = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil) else {
            fatalError("OpenSSL has no AES-256-GCM: the libcrypto we linked against is unusable")
        }
        return FetchedAlgorithm(pointer: cipher)
    }()

    private static func fetchDigest(_ name: String) -> FetchedAlgorithm {
        guard let md = EVP_MD_fetch(nil, name, nil) else {
            fatalError("OpenSSL has no \(name) digest: the libcrypto we linked against is unusable")
        }
        return FetchedAlgorithm(pointer: md)
    }
}
