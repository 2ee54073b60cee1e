import Foundation

/// Syntax checks of JSON bodies, for requests no operation will decode.
public enum JSONSyntax {
    public static func isObject(_ bytes: [UInt8]) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) is [String: Any]
    }
}
