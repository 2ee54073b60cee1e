import AnnealAWS
import AnnealCrypto
import Foundation

extension AWSClient {
    /// A Query-protocol action (IAM, STS): form-encoded parameters; returns the reply's XML body.
    /// A non-2xx reply throws its `Code` and `Message`.
    public func query(signingName: String, action: String, version: String, parameters: [String: String] = [:])
        async throws(ClientError) -> [UInt8] {
        var form = ["Action": action, "Version": version]
        form.merge(parameters) { _, given in given }
        let body = Array(form.sorted { $0.key < $1.key }.map { Self.formEncode($0.key) + "=" + Self.formEncode($0.value) }
            .joined(separator: "&").utf8)
        let headers = sign(method: "POST", rawPath: "/", rawQuery: "", service: signingName, payloadHash: SHA256.hex(body),
                           extra: [("content-type", "application/x-www-form-urlencoded; charset=utf-8")])
        let reply = try await exchange(method: "POST", path: "/", headers: headers, body: body)
        guard (200..<300).contains(reply.status) else { throw Self.xmlError(reply.body, status: reply.status) }
        return reply.body
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
