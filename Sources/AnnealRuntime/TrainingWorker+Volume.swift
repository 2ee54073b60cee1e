import AnnealCore
import Foundation
import Glibc
import Synchronization

/// The instance's storage volume: what the job writes under /opt/ml counts against its
/// `VolumeSizeInGB`, as on SageMaker's attached volume, and a job that fills it (or brings the real
/// filesystem near full) is stopped with a clear reason before it can harm the others sharing the disk.
struct VolumeWatch: Sendable {
    /// The volume's size in bytes.
    let limit: UInt64
    /// Below this much free space on the real filesystem the job writing into it is stopped.
    let reserve: UInt64
    /// Bytes under /opt/ml/input/data, measured once after staging (the channels do not grow).
    let staged: UInt64

    static func reserve(forFilesystemOf path: String) -> UInt64 {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return 512 << 20 }
        let total = UInt64(stats.f_blocks) * UInt64(stats.f_frsize)
        return min(1 << 30, max(256 << 20, total / 50))
    }

    static func freeBytes(_ path: String) -> UInt64? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        return UInt64(stats.f_bavail) * UInt64(stats.f_frsize)
    }

    /// Bytes allocated to the files below `path` (blocks, as `du` counts them), `skipping` a subdirectory.
    static func allocated(_ path: String, skipping: String? = nil) -> UInt64 {
        guard let walker = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total: UInt64 = 0
        while let relative = walker.nextObject() as? String {
            if let skipping, relative == skipping {
                walker.skipDescendants()
                continue
            }
            var info = stat()
            if lstat(path + "/" + relative, &info) == 0 { total += UInt64(info.st_blocks) * 512 }
        }
        return total
    }

    /// Why the job must stop now, or nil: its volume is full, or the disk under it nearly is.
    func problem(root: String, volumeSizeGB: Int) -> String? {
        let used = staged + Self.allocated(root, skipping: "input/data")
        if used > limit {
            return "ClientError: The training job's storage volume is full: /opt/ml holds \(Self.gib(used)) GiB and "
                + "VolumeSizeInGB is \(volumeSizeGB). Write less to /opt/ml (checkpoints, model, output) or ask for a larger VolumeSizeInGB."
        }
        if let free = Self.freeBytes(root), free < reserve {
            return "ClientError: The disk under the training job's storage volume is nearly full (\(Self.gib(free)) GiB left): the job, "
                + "which holds \(Self.gib(used)) GiB under /opt/ml, was stopped so that other jobs are not harmed. Free disk space on "
                + "the instance's host or write less to /opt/ml."
        }
        return nil
    }

    static func gib(_ bytes: UInt64) -> String { String(format: "%.2f", Double(bytes) / Double(1 << 30)) }
}

/// Why the volume watch stopped the job, once it has.
final class VolumeFull: Sendable {
    private let reason = Mutex<String?>(nil)
    var value: String? { reason.withLock { $0 } }
    func set(_ text: String) { reason.withLock { $0 = text } }
}

extension TrainingWorker {
    /// Checks the volume every second while the entry point runs; when it is full, records why in
    /// `full` and kills the training process.
    func watchVolume(spec: TrainingJobSpec, root: String, full: VolumeFull, log: @escaping @Sendable (String) -> Void) -> Task<Void, Never> {
        let watch = VolumeWatch(limit: UInt64(max(1, spec.volumeSizeGB)) << 30, reserve: VolumeWatch.reserve(forFilesystemOf: root),
                                staged: VolumeWatch.allocated(root + "/input/data"))
        return Task.detached { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                guard !Task.isCancelled, let problem = watch.problem(root: root, volumeSizeGB: spec.volumeSizeGB) else { continue }
                full.set(problem)
                log("[anneal] " + problem)
                killTraining()
                return
            }
        }
    }
}
