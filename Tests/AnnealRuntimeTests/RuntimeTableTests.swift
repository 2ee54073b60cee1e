import Foundation
import Testing
@testable import AnnealRuntime

/// A directory of the test's own with a fake virtual environment (`venv/bin/python`, `venv/bin/tool`).
struct RuntimeFixture {
    let root = NSTemporaryDirectory() + "runtimes-" + UUID().uuidString
    var venv: String { root + "/venv" }
    var table: String { root + "/runtimes.json" }

    init() throws {
        try FileManager.default.createDirectory(atPath: root + "/venv/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/runtimes", withIntermediateDirectories: true)
        for name in ["python", "tool"] {
            FileManager.default.createFile(atPath: root + "/venv/bin/" + name, contents: Data("#!/bin/sh\n".utf8),
                                           attributes: [.posixPermissions: 0o755])
        }
    }

    func write(_ json: String) throws { try json.write(toFile: table, atomically: true, encoding: .utf8) }

    var resolver: RuntimeResolver { RuntimeResolver(directory: root + "/runtimes", systemPython: "/usr/bin/python3") }
}

@Suite struct RuntimeTableTests {
    static let table = try? RuntimeTable.parse(Data("""
        {"runtimes": [
          {"image": "*/team/tabular:*", "python": "/usr/bin/python3"},
          {"image": "xgboost", "train": "echo xgb"},
          {"image": "byo-*:2.?"},
          {"image": "*"}
        ]}
        """.utf8), source: "runtimes.json")

    @Test(arguments: [
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/tabular:1.0", 0),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:1.7-1", 1),
        ("xgboost@sha256:abc", 1),
        ("registry:5000/byo-train:2.1", 2),
        ("registry:5000/byo-train:3.1", 3),
        ("other/team/tabular", 3),
    ])
    func theFirstMatchingPatternWins(image: String, expected: Int) throws {
        let table = try #require(Self.table)
        let entry = try #require(table.entry(for: image))
        #expect(entry == table.entries[expected])
    }

    @Test func aStringTrainCommandRunsThroughTheShell() throws {
        let table = try #require(Self.table)
        #expect(table.entries[1].train == ["/bin/sh", "-c", "echo xgb"])
        #expect(table.entries[2].train == nil && table.entries[2].environment.isEmpty)
    }

    @Test func namesWithAndWithoutTagAndRegistry() {
        #expect(RuntimeTable.names(of: "reg:5000/a/b:1.2") == ["reg:5000/a/b:1.2", "reg:5000/a/b", "b:1.2", "b"])
        #expect(RuntimeTable.names(of: "reg:5000/a/b") == ["reg:5000/a/b", "b"])
        #expect(RuntimeTable.names(of: "b@sha256:00") == ["b@sha256:00", "b"])
    }

    @Test(arguments: [
        ("{\"runtimes\": [{\"image\": \"a\", \"pyhton\": \"/x\"}]}", "runtimes[0]: unknown key 'pyhton'"),
        ("{\"runtime\": []}", "unknown top-level key 'runtime'"),
        ("{\"runtimes\": [{\"python\": \"/x\"}]}", "runtimes[0].image is missing"),
        ("{\"runtimes\": [{\"image\": \"a\", \"train\": 5}]}", "runtimes[0].train: expected a list of strings"),
        ("{\"runtimes\": [{\"image\": \"a\", \"train\": []}]}", "runtimes[0] (a): 'train' must name a command"),
        ("{\"runtimes\": [{\"image\": \"a\", \"virtualenv\": \"venvs/a\"}]}", "'virtualenv' must be an absolute path"),
        ("{\"runtimes\": [{\"image\": \"a\", \"environment\": {\"1X\": \"y\"}}]}", "'1X' in 'environment' is not a variable name"),
        ("{\"runtimes\": [{\"image\": \" \"}]}", "'image' is empty"),
        ("{\"runtimes\": [", "is not a valid runtime table"),
    ])
    func badTablesNameTheEntryAndTheProblem(json: String, expected: String) {
        do {
            _ = try RuntimeTable.parse(Data(json.utf8), source: "/home/x/runtimes.json")
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(error.message.hasPrefix("InternalServerError: /home/x/runtimes.json"))
        }
    }

    @Test func noFileIsAnEmptyTable() throws {
        #expect(try RuntimeTable.load(path: "/nonexistent/runtimes.json") == RuntimeTable())
    }
}

@Suite struct RuntimeResolverTableTests {
    @Test func aTableEntryMapsAnImageToAVirtualenvAndItsTrainCommand() throws {
        let fixture = try RuntimeFixture()
        try fixture.write("""
            {"runtimes": [{"image": "*/tabular:*", "virtualenv": "\(fixture.venv)", "train": ["tool", "--fast"],
                           "environment": {"MODE": "image", "SHARED": "image"}, "expose": ["/srv/data"]}]}
            """)
        let runtime = try fixture.resolver.resolve(image: "1.dkr.ecr.us-east-1.amazonaws.com/tabular:2", log: { _ in })
        #expect(runtime.python == fixture.venv + "/bin/python")
        #expect(runtime.exposed == [fixture.venv, "/srv/data"])
        #expect(runtime.train == [fixture.venv + "/bin/tool", "--fast"])
        #expect(runtime.searchPath.first == fixture.venv + "/bin" && runtime.searchPath.contains("/usr/bin"))
        var environment = ["PATH": "/elsewhere", "KEEP": "1"]
        runtime.prepare(&environment, job: ["SHARED": "job"])
        #expect(environment["PATH"]?.hasPrefix(fixture.venv + "/bin:") == true)
        #expect(environment["MODE"] == "image" && environment["SHARED"] == "job" && environment["KEEP"] == "1")
    }

    /// A `python` inside a virtual environment brings that environment into the sandbox's view (it
    /// may live where the sandbox hides, such as /tmp); a plain interpreter brings nothing.
    @Test func aPythonInsideAVirtualEnvironmentExposesIt() throws {
        let fixture = try RuntimeFixture()
        FileManager.default.createFile(atPath: fixture.venv + "/pyvenv.cfg", contents: Data("home = /usr/bin\n".utf8))
        try fixture.write("{\"runtimes\": [{\"image\": \"in-venv\", \"python\": \"\(fixture.venv)/bin/python\"}, "
            + "{\"image\": \"plain\", \"python\": \"/usr/bin/python3\"}]}")
        #expect(try fixture.resolver.resolve(image: "in-venv", log: { _ in }).exposed == [fixture.venv])
        #expect(try fixture.resolver.resolve(image: "plain", log: { _ in }).exposed == [])
    }

    @Test func theTableComesBeforeTheBuiltInMappings() throws {
        let fixture = try RuntimeFixture()
        try fixture.write("{\"runtimes\": [{\"image\": \"sagemaker-scikit-learn:*\", \"virtualenv\": \"\(fixture.venv)\"}]}")
        let runtime = try fixture.resolver.resolve(image: "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
                                                   log: { _ in })
        #expect(runtime.python == fixture.venv + "/bin/python")
    }

    @Test func anUnmappedImageIsAClientErrorThatSaysWhereToMapIt() throws {
        let fixture = try RuntimeFixture()
        #expect(fixture.resolver.tablePath == fixture.table)
        do {
            _ = try fixture.resolver.resolve(image: "123.dkr.ecr/unknown:1", log: { _ in })
            Issue.record("an unknown image resolved")
        } catch {
            #expect(error.message.hasPrefix("ClientError: No local runtime maps the training image '123.dkr.ecr/unknown:1'"))
            #expect(error.message.contains(fixture.table))
        }
    }

    @Test(arguments: [
        ("{\"runtimes\": [{\"image\": \"x\", \"python\": \"/nonexistent/python\"}]}", "/nonexistent/python, which is not an executable file"),
        ("{\"runtimes\": [{\"image\": \"x\", \"virtualenv\": \"/nonexistent/venv\"}]}", "not an executable file"),
        ("{\"runtimes\": [{\"image\": \"x\", \"train\": [\"no-such-tool-anywhere\"]}]}", "names 'no-such-tool-anywhere', which is not a program"),
    ])
    func brokenEntriesFailTheJobWithTheReason(json: String, expected: String) throws {
        let fixture = try RuntimeFixture()
        try fixture.write(json)
        do {
            _ = try fixture.resolver.resolve(image: "x", log: { _ in })
            Issue.record("resolved with \(json)")
        } catch {
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test func aBrokenTableFailsEvenImagesItWouldNotMap() throws {
        let fixture = try RuntimeFixture()
        try fixture.write("{\"runtimes\": [{\"image\": \"x\"}")
        #expect(throws: RuntimeError.self) { _ = try fixture.resolver.resolve(image: "anneal/python:3", log: { _ in }) }
    }
}

@Suite struct TrainCommandTests {
    let runtime = FrameworkRuntime(python: "/usr/bin/python3", exposed: [], binDirectories: ["/usr/bin"])

    func code(train mode: Int?) throws -> String {
        let directory = NSTemporaryDirectory() + "code-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let mode {
            FileManager.default.createFile(atPath: directory + "/train", contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: mode])
        }
        return directory
    }

    @Test func containerArgumentsReplaceTrain() throws {
        let command = try runtime.trainCommand(arguments: ["sh", "-c", "echo hi"], image: "x", codeDirectory: try code(train: 0o755),
                                               visibleCodeDirectory: "/opt/ml/code")
        #expect(command.count == 3 && command[0].hasSuffix("/sh") && command[0].hasPrefix("/") && command[1...] == ["-c", "echo hi"])
    }

    @Test func theTableTrainCommandComesBeforeTheCodeDirectory() throws {
        var mapped = runtime
        mapped.train = ["/bin/echo", "table"]
        #expect(try mapped.trainCommand(arguments: nil, image: "x", codeDirectory: try code(train: 0o755),
                                        visibleCodeDirectory: "/opt/ml/code") == ["/bin/echo", "table"])
    }

    @Test func anExecutableTrainInTheCodeDirectoryRuns() throws {
        #expect(try runtime.trainCommand(arguments: [], image: "x", codeDirectory: try code(train: 0o755),
                                         visibleCodeDirectory: "/opt/ml/code") == ["/opt/ml/code/train"])
    }

    @Test(arguments: [(Int?.some(0o644), "not executable: chmod +x train"), (nil, "nothing to run for the image 'x'")])
    func otherwiseTheJobFailsWithAClientError(mode: Int?, expected: String) throws {
        let directory = try code(train: mode)
        do {
            _ = try runtime.trainCommand(arguments: nil, image: "x", codeDirectory: directory, visibleCodeDirectory: "/opt/ml/code")
            Issue.record("something ran")
        } catch {
            #expect(error.message.hasPrefix("ClientError: ") && error.message.contains(expected), "\(error.message)")
        }
    }
}
