import Foundation
import Glibc
import Testing
@testable import AnnealRuntime

/// A /proc of the test's own: processes with the CPU ticks and resident pages it sets.
private struct FakeProc {
    let root = NSTemporaryDirectory() + "anneal-proc-" + UUID().uuidString

    init(memTotalKilobytes: Int) throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try "MemTotal:       \(memTotalKilobytes) kB\nMemFree:  1 kB\n".write(toFile: root + "/meminfo", atomically: true, encoding: .utf8)
    }

    func process(_ pid: Int, parent: Int, user: Int, system: Int, residentPages: Int, name: String = "python") throws {
        try FileManager.default.createDirectory(atPath: "\(root)/\(pid)", withIntermediateDirectories: true)
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
        // priority nice threads itreal starttime vsize rss ...
        let stat = "\(pid) (\(name)) R \(parent) \(pid) \(pid) 0 -1 0 0 0 0 0 \(user) \(system) 0 0 20 0 1 0 100 1000 \(residentPages) 0 0"
        try stat.write(toFile: "\(root)/\(pid)/stat", atomically: true, encoding: .utf8)
    }

    func end(_ pid: Int) { try? FileManager.default.removeItem(atPath: "\(root)/\(pid)") }
}

@Suite struct UtilisationSamplerTests {
    @Test func cpuIsMeasuredOverTheWorkersProcessTreeOnly() throws {
        let proc = try FakeProc(memTotalKilobytes: 1_000_000)
        try proc.process(10, parent: 1, user: 5, system: 0, residentPages: 100)
        try proc.process(11, parent: 10, user: 80, system: 20, residentPages: 200, name: "my (odd) name")
        try proc.process(20, parent: 1, user: 9_000, system: 0, residentPages: 99_999)  // not ours
        try proc.process(30, parent: 11, user: 40, system: 0, residentPages: 10)  // ends before the next sample
        let sampler = UtilisationSampler(root: 10, directory: NSTemporaryDirectory(), procRoot: proc.root, nvidiaSMI: nil)
        #expect(sampler.sample(now: 100) == nil)

        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        proc.end(30)
        try proc.process(11, parent: 10, user: 80 + Int(hz), system: 20, residentPages: 200, name: "my (odd) name")  // one core, 1 s
        try proc.process(12, parent: 11, user: Int(hz) / 2, system: 0, residentPages: 50)  // new: half a core
        try proc.process(20, parent: 1, user: 99_000, system: 0, residentPages: 99_999)
        let sample = try #require(sampler.sample(now: 101))
        #expect(abs(sample.cpu - 150) < 1)
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        #expect(abs(sample.memory - (350 * page) / 1_024_000_000 * 100) < 0.001)
        #expect(sample.disk > 0 && sample.disk <= 100)
        #expect(sample.gpu == nil)

        // Two seconds of nothing: zero, never negative.
        let idle = try #require(sampler.sample(now: 103))
        #expect(idle.cpu == 0)
    }

    @Test func gpuReadingsSumUtilisationAndPoolMemory() throws {
        let parsed = try #require(UtilisationSampler.parseGPUs("87, 40000, 80000\n13, 20000, 80000\n"))
        #expect(parsed.utilisation == 100)
        #expect(parsed.memory == 37.5)
        #expect(UtilisationSampler.parseGPUs("NVIDIA-SMI has failed\n") == nil)
    }

    @Test func samplesBecomeOnePutMetricDataWithTheHostDimension() throws {
        let body = UtilisationSampler.putMetricData(.init(cpu: 99.5, memory: 1, disk: 2, gpu: nil, gpuMemory: nil), job: "j", host: 2, at: 1.5)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect(object["Namespace"] as? String == "/aws/sagemaker/TrainingJobs")
        let data = try #require(object["MetricData"] as? [[String: Any]])
        #expect(data.compactMap { $0["MetricName"] as? String } == ["CPUUtilization", "MemoryUtilization", "DiskUtilization"])
        #expect((data[0]["Dimensions"] as? [[String: String]]) == [["Name": "Host", "Value": "j/algo-2"]])
        #expect(data[0]["Value"] as? Double == 99.5 && data[0]["Unit"] as? String == "Percent")
    }
}
