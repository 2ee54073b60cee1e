import AnnealCore
import AnnealCrypto
import Foundation
import Glibc

/// What an instance keeps for the next job when it stays warm (`KeepAlivePeriodInSeconds`): the
/// channel files it staged, with the object each came from, and the requirements it installed.
/// Written to `.anneal-instance.json` in the instance directory when a job ends; a job that reuses
/// the instance downloads only the objects that changed and skips pip when requirements.txt is the same.
struct InstanceCache: Codable, Equatable {
    struct StagedObject: Codable, Equatable {
        var bucket: String
        var key: String
        var etag: String
        var size: UInt64
    }

    /// Channel name → path below the channel directory → the object it holds.
    var channels: [String: [String: StagedObject]] = [:]
    /// The digest of requirements.txt and the interpreter that installed it.
    var requirements: String?

    static let file = ".anneal-instance.json"
    /// Where the previous job's packages wait while the code directory is replaced.
    static let packagesAside = ".anneal-warm-packages"
    /// The warm pool's persistent cache, as SageMaker mounts it.
    static let cacheDirectory = "sagemaker/warmpoolcache"

    static func load(root: String) -> InstanceCache? {
        guard let data = FileManager.default.contents(atPath: root + "/" + file) else { return nil }
        return try? JSONDecoder().decode(InstanceCache.self, from: data)
    }

    func save(root: String) {
        guard let data = try? JSONEncoder().encode(self) else { return }
        let target = root + "/" + Self.file
        let temporary = target + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else { return }
        rename(temporary, target)
    }

    /// Whether `object` is the one a previous job staged at `relative` in `channel`.
    func holds(_ object: StagedObject, channel: String, relative: String) -> Bool {
        !object.etag.isEmpty && channels[channel]?[relative] == object
    }
}

extension TrainingWorker {
    /// A directory the previous job of a warm instance left: its staged channels (of the channels
    /// this job also has), installed packages and warm pool cache stay; everything else goes.
    /// Returns what the previous job recorded (empty for a fresh instance).
    func prepareInstanceDirectory(_ root: String, spec: TrainingJobSpec, log: (String) -> Void) -> InstanceCache {
        guard let previous = InstanceCache.load(root: root) else { return InstanceCache() }
        let manager = FileManager.default
        let aside = root + "/" + InstanceCache.packagesAside
        try? manager.removeItem(atPath: aside)
        rename(root + "/code/.anneal-packages", aside)
        for entry in ["code", "model", "output", "checkpoints", "input/config", ".hosts", InstanceCache.file,
                      ".sourcedir.tar.gz", ".model.tar.gz", ".output.tar.gz"] {
            try? manager.removeItem(atPath: root + "/" + entry)
        }
        let keep = Set(spec.channels.map(\.name))
        for channel in (try? manager.contentsOfDirectory(atPath: root + "/input/data")) ?? [] where !keep.contains(channel) {
            try? manager.removeItem(atPath: root + "/input/data/" + channel)
        }
        log("[anneal] warm instance: reusing the channel files and packages of the previous job that still match")
        return previous
    }

    /// Removes the files of a channel directory that are not among `staged` (left by a previous job).
    func removeStale(in directory: String, keeping staged: Set<String>) {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return }
        var stale: [String] = []
        while let relative = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue,
               !staged.contains(relative) {
                stale.append(relative)
            }
        }
        for relative in stale { try? FileManager.default.removeItem(atPath: directory + "/" + relative) }
    }

    /// The digest that identifies an installation of `requirements` by `python`.
    static func requirementsDigest(_ requirements: Data, python: String) -> String {
        SHA256.hex(Array(requirements) + Array("\n\(python)".utf8))
    }
}
