import AnnealClient
import Foundation

/// `anneal train`: what `SKLearn(...).fit()` or `Estimator(...).fit()` does, from the shell. It packs
/// the code as `sourcedir.tar.gz`, uploads it and local channel data to S3, creates the training job
/// and, with `--wait`, follows it to the end, exiting with the job's outcome.
enum TrainCommand {
    static let usage = """
        usage: anneal train [ENTRY_POINT] (--framework sklearn [--framework-version 1.2-1] | --image URI) [options]

          ENTRY_POINT                 the script to run (python for .py, sh for .sh), relative to --source-dir
                                      when one is given; optional with --image, whose train program then runs
          --source-dir DIR            packed as sourcedir.tar.gz and extracted into /opt/ml/code
          --framework sklearn         a SageMaker scikit-learn image; --framework-version one of \(Framework.scikitLearnVersions.joined(separator: ", "))
          --image URI                 any training image Anneal maps (anneal/python:3, or one in $ANNEAL_HOME/runtimes.json)
          --instance-type TYPE        default ml.m5.large
          --instance-count N          default 1
          --hyperparameter KEY=VALUE  repeatable; passed to the script as --KEY VALUE
          --channel NAME=PATH|S3URI   repeatable; a local file or directory is uploaded, an s3:// URI used as is
          --output-path S3URI         where model.tar.gz goes (default s3://BUCKET/)
          --bucket NAME               for code, local data and output (default sagemaker-REGION-ACCOUNT, created if missing)
          --max-runtime SECONDS       default 86400
          --role ARN                  default arn:aws:iam::ACCOUNT:role/SageMakerRole
          --job-name NAME             default BASE-yyyy-mm-dd-HH-MM-SS-mmm; --base-job-name BASE (default: the image's name)
          --wait                      follow the job: status transitions and log lines; exit 0 Completed, 1 Failed, 2 Stopped
          --json                      machine output on stdout (the job's description); progress goes to stderr
          --home DIR                  where `anneal serve` wrote its profile (default $ANNEAL_HOME or ~/.anneal)
        """

    static let flags: Set<String> = ["help", "wait", "json"]
    static let options: Set<String> = ["entry-point", "source-dir", "framework", "framework-version", "image", "instance-type",
                                       "instance-count", "hyperparameter", "channel", "output-path", "bucket", "max-runtime", "role",
                                       "job-name", "base-job-name", "home"]

    static func main(_ arguments: [String]) -> Int32 {
        let plan: TrainPlan
        do {
            let parsed = try Arguments(arguments, flags: flags, options: options)
            if parsed.flags.contains("help") {
                print(usage)
                return ExitCode.success
            }
            plan = try TrainPlan(parsed, workingDirectory: FileManager.default.currentDirectoryPath)
        } catch {
            printError("anneal train: \(error)\nRun `anneal train --help` for the options.")
            return ExitCode.usage
        }
        let client: AWSClient
        do { client = try ClientProfile.load(home: plan.home) } catch {
            printError("anneal train: \(error)")
            return ExitCode.failure
        }
        let result = ExitBox()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { result.set(try await TrainRun(plan: plan, client: client).run()) } catch {
                printError("anneal train: \(error)")
                result.set(ExitCode.failure)
            }
            done.signal()
        }
        done.wait()
        return result.get()
    }
}

/// The SageMaker framework images `--framework` names.
enum Framework {
    static let scikitLearnVersions = ["0.20.0", "0.23-1", "1.0-1", "1.2-1", "1.4-2"]
    static let defaultScikitLearnVersion = "1.2-1"

    /// The registry account of the scikit-learn images in a few regions (the SDK's image_uri_config);
    /// Anneal itself only reads the repository and tag.
    static let scikitLearnAccounts = ["us-east-1": "683313688378", "us-east-2": "257758044811", "us-west-1": "746614075791",
                                      "us-west-2": "246618743249", "eu-west-1": "141502667606", "eu-central-1": "492215442770",
                                      "ap-northeast-1": "354813040037", "ap-southeast-2": "783357654285"]

    static func scikitLearnImage(version: String, region: String) -> String {
        "\(scikitLearnAccounts[region] ?? "683313688378").dkr.ecr.\(region).amazonaws.com/sagemaker-scikit-learn:\(version)-cpu-py3"
    }
}
