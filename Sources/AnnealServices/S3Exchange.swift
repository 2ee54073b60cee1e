import AnnealAWS
import AnnealCrypto
import AnnealHTTP
import AnnealObjects

/// One S3 request: authorised from its headers, its body streamed through `S3Payload` into an
/// object writer (PUT, UploadPart) or a bounded document (XML requests), then answered.
final class S3Exchange {
    let service: S3Service
    let request: S3Request
    let context: CallContext
    private let payload: S3Payload
    private var writer: (any ObjectWriter)?
    private var document: [UInt8] = []
    private var upload: UploadInfo?
    private var partNumber = 0

    init(service: S3Service, head: HTTPRequestHead, context: CallContext, auth: SigV4Authorization,
         signingKey: [UInt8]) throws(AWSError) {
        self.service = service
        request = S3Request(head: head)
        self.context = context
        payload = try S3Payload(head: head, auth: auth, signingKey: signingKey)
    }

    var operationName: String { request.operation?.rawValue ?? "Unsupported" }

    /// Checks what can be checked before the body: the operation, permission, bucket, limits.
    func start() throws(AWSError) {
        guard let operation = request.operation else { throw S3Errors.notImplemented(request.head.method, request.head.rawPath) }
        let permission = request.permission
        try context.authorize(permission.action, resource: permission.resource)
        if !request.key.isEmpty && request.key.utf8.count > 1024 {
            throw AWSError("KeyTooLongError", "Your key is too long", status: 400)
        }
        guard request.bodyKind == .stream else { return }
        let declared = request.head.headers["x-amz-decoded-content-length"].flatMap(UInt64.init)
            ?? request.head.headers["content-length"].flatMap(UInt64.init) ?? 0
        guard declared <= S3Service.maximumObjectSize else {
            throw AWSError("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", status: 400)
        }
        if operation == .uploadPart {
            (upload, partNumber) = try service.validatePart(request)
        } else {
            _ = try service.requireBucket(request.bucket)
        }
        writer = try service.call(bucket: request.bucket) { () throws(ObjectStoreError) in
            try service.storage.beginWrite(bucket: request.bucket)
        }
    }

    func receive(_ chunk: UnsafeRawBufferPointer) throws(AWSError) {
        do throws(AWSError) {
            try payload.feed(chunk) { (bytes: UnsafeRawBufferPointer) throws(AWSError) in
                switch request.bodyKind {
                case .stream:
                    guard let writer else { return }
                    if writer.bytesWritten + UInt64(bytes.count) > S3Service.maximumObjectSize {
                        throw AWSError("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", status: 400)
                    }
                    do throws(ObjectStoreError) { try writer.write(bytes) } catch { throw S3Errors.from(error, bucket: request.bucket, key: request.key) }
                case .document:
                    guard document.count + bytes.count <= S3Service.maximumDocument else {
                        throw AWSError("MaxMessageLengthExceeded", "Your request was too big.", status: 400)
                    }
                    document.append(contentsOf: bytes)
                case .ignored:
                    break
                }
            }
        } catch {
            writer?.abort()
            throw error
        }
    }

    func finish() throws(AWSError) -> HTTPResponse {
        let body: S3Payload.Result
        do { body = try payload.finish() } catch {
            writer?.abort()
            throw error
        }
        guard let operation = request.operation else { throw S3Errors.notImplemented(request.head.method, request.head.rawPath) }
        let id = context.requestID
        switch operation {
        case .listBuckets: return try service.listBuckets(context)
        case .createBucket: return try service.createBucket(request, document: document, context: context)
        case .headBucket: return try service.headBucket(request, requestID: id)
        case .deleteBucket: return try service.deleteBucket(request, requestID: id)
        case .getBucketLocation: return try service.bucketLocation(request, requestID: id)
        case .getBucketVersioning:
            _ = try service.requireBucket(request.bucket)
            return service.xml("VersioningConfiguration", requestID: id) { _ in }
        case .listObjects, .listObjectsV2: return try service.listObjects(request, requestID: id)
        case .listMultipartUploads: return try service.listUploads(request, requestID: id)
        case .deleteObjects: return try service.deleteObjects(request, document: document, context: context)
        case .putObject: return try service.putObject(request, writer: take(), body: body, requestID: id)
        case .copyObject: return try service.copyObject(request, context: context)
        case .getObject, .headObject: return try service.getObject(request, requestID: id)
        case .deleteObject: return try service.deleteObject(request, requestID: id)
        case .createMultipartUpload: return try service.createUpload(request, requestID: id)
        case .uploadPart:
            guard let upload else { throw S3Errors.noSuchUpload(request.query["uploadId"] ?? "") }
            return try service.commitPart(request, upload: upload, partNumber: partNumber, writer: take(), body: body, requestID: id)
        case .uploadPartCopy: return try service.uploadPartCopy(request, context: context)
        case .completeMultipartUpload: return try service.completeUpload(request, document: document, requestID: id)
        case .abortMultipartUpload: return try service.abortUpload(request, requestID: id)
        case .listParts: return try service.listParts(request, requestID: id)
        }
    }

    /// The client went away or the request failed: nothing half-written stays.
    func end(completed: Bool) {
        if !completed { writer?.abort() }
    }

    private func take() throws(AWSError) -> any ObjectWriter {
        guard let writer else { throw AWSError("InternalError", "no object writer for this request", status: 500, senderFault: false) }
        self.writer = nil
        return writer
    }
}
