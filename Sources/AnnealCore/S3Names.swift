/// S3's naming rules, checked before anything touches storage.
public enum S3Names {
    /// Why `name` is not a valid bucket name, or nil when it is (the general-purpose bucket rules).
    public static func bucketNameProblem(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        guard (3...63).contains(bytes.count) else { return "Bucket names must be between 3 and 63 characters long" }
        for byte in bytes {
            let allowed = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
            if !allowed { return "Bucket names can consist only of lowercase letters, numbers, dots (.), and hyphens (-)" }
        }
        guard isAlphanumeric(bytes[0]), isAlphanumeric(bytes[bytes.count - 1]) else {
            return "Bucket names must begin and end with a letter or number"
        }
        if name.contains("..") { return "Bucket names must not contain two adjacent periods" }
        if name.contains(".-") || name.contains("-.") { return "Bucket names must not contain a period next to a hyphen" }
        if isIPv4(name) { return "Bucket names must not be formatted as an IP address" }
        for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] where name.hasPrefix(prefix) {
            return "Bucket names must not start with the prefix '\(prefix)'"
        }
        for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] where name.hasSuffix(suffix) {
            return "Bucket names must not end with the suffix '\(suffix)'"
        }
        return nil
    }

    /// Object keys: 1 to 1024 bytes of UTF-8.
    public static let maximumKeyBytes = 1024

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    private static func isIPv4(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isNumber) && Int(part).map { $0 <= 255 } == true }
    }
}
