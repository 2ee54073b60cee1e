import Foundation

extension FrameworkRuntime {
    /// What SageMaker runs when a job names neither `sagemaker_program` nor ContainerEntrypoint:
    /// `docker run <image> train`, i.e. ContainerArguments in place of `train` when given, else the
    /// image's `train` program: the runtime table's `train` command, or an executable `train` in
    /// the code directory (`sagemaker_submit_directory`).
    /// - Parameters:
    ///   - codeDirectory: the code directory on this host (to look for `train`);
    ///   - visibleCodeDirectory: the same directory as the process sees it (`/opt/ml/code` in the sandbox).
    public func trainCommand(arguments: [String]?, image: String?, codeDirectory: String,
                             visibleCodeDirectory: String) throws(RuntimeError) -> [String] {
        if let arguments, let first = arguments.first, !first.isEmpty {
            return [try executable(first, purpose: "ContainerArguments")] + arguments.dropFirst()
        }
        if let train { return train }
        let program = codeDirectory + "/train"
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: program, isDirectory: &isDirectory), !isDirectory.boolValue {
            guard FileManager.default.isExecutableFile(atPath: program) else {
                throw RuntimeError(message: "ClientError: the code directory has a train program that is not executable: "
                    + "chmod +x train before packing the source directory")
            }
            return [visibleCodeDirectory + "/train"]
        }
        throw RuntimeError(message: "ClientError: nothing to run for the image '\(image ?? "")': set the sagemaker_program "
            + "hyperparameter (framework estimators and `anneal train ENTRY_POINT` do), AlgorithmSpecification.ContainerEntrypoint, "
            + "a train command for the image in runtimes.json, or ship an executable `train` in the source directory")
    }

    /// `name` as an absolute path: a bare command name is looked up on the runtime's search path
    /// (the worker starts programs with execve, which does not search).
    func executable(_ name: String, purpose: String) throws(RuntimeError) -> String {
        guard !name.contains("/") else { return name }
        for directory in searchPath where FileManager.default.isExecutableFile(atPath: directory + "/" + name) {
            return directory + "/" + name
        }
        throw RuntimeError(message: "ClientError: \(purpose) names '\(name)', which is not a program in "
            + searchPath.joined(separator: ":"))
    }

    /// The process environment: PATH with the runtime's directories first and the runtime's
    /// variables, under the job's own `Environment` (which wins, as it does over an image's ENV).
    public func prepare(_ environment: inout [String: String], job: [String: String]) {
        environment["PATH"] = searchPath.joined(separator: ":")
        for (name, value) in self.environment { environment[name] = value }
        for (name, value) in job { environment[name] = value }
    }
}
