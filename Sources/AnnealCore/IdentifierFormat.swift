/// Formats of the identifiers AWS hands out, built from random bytes the caller supplies (so tests
/// are deterministic and the core stays free of randomness).
public enum IdentifierFormat {
    private static let base32: [Character] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    private static let secretAlphabet: [Character] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")

    /// `AKIA` + 16 base-32 characters, as IAM access key ids look.
    public static func accessKeyID(prefix: String = "AKIA", random: [UInt8]) -> String {
        prefix + characters(16, from: random, alphabet: base32)
    }

    /// A 40-character secret access key.
    public static func secretAccessKey(random: [UInt8]) -> String {
        characters(40, from: random, alphabet: secretAlphabet)
    }

    /// `AIDA` + 17 base-32 characters (IAM user ids).
    public static func userID(random: [UInt8]) -> String {
        "AIDA" + characters(17, from: random, alphabet: base32)
    }

    /// A 12-digit account id that does not start with 0.
    public static func accountID(random: [UInt8]) -> String {
        var digits = ""
        for index in 0..<12 {
            let byte = index < random.count ? random[index] : UInt8(index)
            digits.append(index == 0 ? Character(String(1 + Int(byte) % 9)) : Character(String(Int(byte) % 10)))
        }
        return digits
    }

    private static func characters(_ count: Int, from random: [UInt8], alphabet: [Character]) -> String {
        precondition(!random.isEmpty, "random bytes must be supplied")
        var out = ""
        for index in 0..<count {
            out.append(alphabet[Int(random[index % random.count] &+ UInt8(truncatingIfNeeded: index / random.count)) % alphabet.count])
        }
        return out
    }
}
