import AnnealClient
import Foundation

/// Copies new and changed files of the checkpoint directory to `CheckpointConfig.S3Uri` while the
/// job runs (SageMaker syncs continuously, as-is and uncompressed), and once more after the
/// training process ends, so a stop, a spot interruption or a retry loses no checkpoint that was
/// written before it.
actor CheckpointSync {
    let directory: String
    let location: S3Location
    let client: AWSClient
    private var synced: [String: FileStamp] = [:]

    struct FileStamp: Equatable {
        var size: UInt64
        var modified: Date
    }

    init(directory: String, location: S3Location, client: AWSClient) {
        self.directory = directory
        self.location = location
        self.client = client
    }

    /// The files present now (just restored from S3) count as synced.
    func markCurrent() {
        synced = currentFiles()
    }

    /// Uploads what changed since the last pass; returns the number of files uploaded.
    @discardableResult
    func pass(log: (String) -> Void) async -> Int {
        var count = 0
        for (relative, stamp) in currentFiles().sorted(by: { $0.key < $1.key }) where synced[relative] != stamp {
            var prefix = location.key
            if !prefix.isEmpty && !prefix.hasSuffix("/") { prefix += "/" }
            do {
                _ = try await client.upload(file: URL(fileURLWithPath: directory + "/" + relative), bucket: location.bucket, key: prefix + relative)
                synced[relative] = stamp
                count += 1
            } catch {
                log("[anneal] checkpoint \(relative) not uploaded to s3://\(location.bucket)/\(prefix)\(relative): \(error); retrying")
            }
        }
        return count
    }

    /// Regular files under the directory (symbolic links are not followed out of it).
    private func currentFiles() -> [String: FileStamp] {
        var files: [String: FileStamp] = [:]
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return files }
        while let relative = walker.nextObject() as? String {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/" + relative),
                  attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            files[relative] = FileStamp(size: attributes[.size] as? UInt64 ?? 0, modified: attributes[.modificationDate] as? Date ?? .distantPast)
        }
        return files
    }
}
