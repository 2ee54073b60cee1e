import AnnealAWS
import AnnealCrypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension AWSClient {
    /// The caller's account id (STS GetCallerIdentity, Query protocol).
    public func accountID() async throws(ClientError) -> String {
        let body = Array("Action=GetCallerIdentity&Version=2011-06-15".utf8)
        let headers = sign(method: "POST", rawPath: "/", rawQuery: "", service: "sts", payloadHash: SHA256.hex(body),
                           extra: [("content-type", "application/x-www-form-urlencoded; charset=utf-8")])
        let reply = try await exchange(method: "POST", path: "/", headers: headers, body: body)
        let (data, status) = (reply.body, reply.status)
        guard status == 200 else { throw Self.xmlError(data, status: status) }
        guard let root = try? XMLDocument.parse(data),
              let account = (root.child("GetCallerIdentityResult") ?? root).child("Account")?.text, !account.isEmpty else {
            throw ClientError(status: status, code: "MalformedReply", message: "GetCallerIdentity reply has no Account")
        }
        return account
    }

    /// Whether the bucket exists and is the caller's (HeadBucket).
    public func bucketExists(_ bucket: String) async throws(ClientError) -> Bool {
        let (data, status) = try await s3(method: "HEAD", bucket: bucket, key: "", query: "")
        switch status {
        case 200: return true
        case 404: return false
        default: throw status == 403 ? ClientError(status: 403, code: "Forbidden", message: "the bucket \(bucket) is not yours")
                                     : Self.xmlError(data, status: status)
        }
    }

    /// CreateBucket, with the location constraint AWS wants outside us-east-1; a bucket the
    /// caller already owns is fine.
    public func createBucket(_ bucket: String) async throws(ClientError) {
        let body = region == "us-east-1" ? [] : Array(("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            + "<LocationConstraint>\(region)</LocationConstraint></CreateBucketConfiguration>").utf8)
        let path = objectPath(bucket: bucket, key: "")
        let hash = SHA256.hex(body)
        let headers = sign(method: "PUT", rawPath: path, rawQuery: "", service: "s3", payloadHash: hash, extra: [("x-amz-content-sha256", hash)])
        let reply = try await exchange(method: "PUT", path: path, headers: headers, body: body)
        let (data, status) = (reply.body, reply.status)
        guard status != 200 else { return }
        let error = Self.xmlError(data, status: status)
        guard error.code == "BucketAlreadyOwnedByYou" else { throw error }
    }
}
