/// The storage behind the S3 API. The filesystem backend implements it; a backend that proxies to
/// an external S3 endpoint can implement it too without touching the protocol code.
public protocol ObjectStorage: Sendable {
    // Buckets
    func createBucket(_ name: String, region: String, accountID: String) throws(ObjectStoreError)
    func bucket(_ name: String) throws(ObjectStoreError) -> BucketInfo?
    func buckets() throws(ObjectStoreError) -> [BucketInfo]
    /// Fails with `bucketNotEmpty` while objects or multipart uploads remain.
    func deleteBucket(_ name: String) throws(ObjectStoreError)

    // Objects
    /// Starts a write into `bucket`; nothing is visible until `commit`.
    func beginWrite(bucket: String) throws(ObjectStoreError) -> any ObjectWriter
    /// Makes the written bytes the object `key`, replacing any earlier one atomically.
    func commit(_ writer: any ObjectWriter, key: String, metadata: ObjectMetadata, etag: String,
                checksum: ObjectChecksum?) throws(ObjectStoreError) -> ObjectInfo
    func head(bucket: String, key: String) throws(ObjectStoreError) -> ObjectInfo?
    func open(bucket: String, key: String) throws(ObjectStoreError) -> OpenObject?
    /// Returns whether an object was removed.
    @discardableResult
    func delete(bucket: String, key: String) throws(ObjectStoreError) -> Bool
    func list(bucket: String, prefix: String, delimiter: String, after cursor: ListCursor?, limit: Int) throws(ObjectStoreError) -> ListPage

    // Multipart uploads
    func createUpload(bucket: String, key: String, metadata: ObjectMetadata, checksumAlgorithm: String?) throws(ObjectStoreError) -> UploadInfo
    func upload(_ uploadID: String) throws(ObjectStoreError) -> UploadInfo?
    func commitPart(_ writer: any ObjectWriter, uploadID: String, partNumber: Int, etag: String,
                    checksum: String?) throws(ObjectStoreError) -> PartInfo
    func parts(uploadID: String, after marker: Int, limit: Int) throws(ObjectStoreError) -> [PartInfo]
    /// Joins `parts` (already checked by the caller) into the object and ends the upload.
    func completeUpload(_ uploadID: String, parts: [PartInfo], etag: String, checksum: ObjectChecksum?) throws(ObjectStoreError) -> ObjectInfo
    func abortUpload(_ uploadID: String) throws(ObjectStoreError)
    func uploads(bucket: String, prefix: String, after keyMarker: String, uploadIDMarker: String, limit: Int) throws(ObjectStoreError) -> [UploadInfo]
}
