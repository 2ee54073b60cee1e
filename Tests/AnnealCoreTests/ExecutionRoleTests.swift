import Testing
@testable import AnnealCore

@Suite struct ExecutionRoleTests {
    let account = "111122223333"
    let trustsSageMaker = """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]}
        """
    let trustsAccount = """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}
        """
    let deniesSageMaker = """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"},
        {"Effect":"Deny","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:*"}]}
        """

    func decide(_ arn: String, admin: Bool = false) -> ExecutionRole.Verdict {
        let roles = ["Train": trustsSageMaker, "Assumable": trustsAccount, "Denied": deniesSageMaker, "Broken": "{"]
        return ExecutionRole.decide(arn, accountID: account, callerIsAdministrator: admin) { roles[$0] }
    }

    @Test func aRoleOfThisAccountMustExistAndTrustSageMaker() {
        #expect(decide("arn:aws:iam::111122223333:role/Train") == .accepted(roleName: "Train"))
        #expect(decide("arn:aws:iam::111122223333:role/team/a/Train") == .accepted(roleName: "Train"))
        for (name, reason) in [("Missing", "no role named Missing"), ("Assumable", "does not allow sagemaker.amazonaws.com"),
                               ("Denied", "does not allow"), ("Broken", "does not allow")] {
            guard case .rejected(let message) = decide("arn:aws:iam::111122223333:role/\(name)", admin: true) else {
                Issue.record("\(name) accepted")
                continue
            }
            #expect(message.hasPrefix("Could not assume role arn:aws:iam::111122223333:role/\(name). Please ensure"))
            #expect(message.contains(reason))
        }
    }

    @Test func anotherAccountsRoleIsTheAdministratorsAlone() {
        #expect(decide("arn:aws:iam::123456789012:role/SageMakerRole", admin: true) == .foreignAccepted)
        guard case .rejected(let message) = decide("arn:aws:iam::123456789012:role/SageMakerRole") else {
            Issue.record("accepted for a user")
            return
        }
        #expect(message.contains("belongs to account 123456789012") && message.contains("arn:aws:iam::111122223333:role/SageMakerRole"))
    }

    @Test(arguments: ["", "arn:aws:iam::111122223333:user/Train", "arn:aws:iam::1111:role/Train", "arn:aws:s3:::111122223333:role/x",
                      "arn:aws:iam::111122223333:role/", "role/Train"])
    func notARoleARN(arn: String) {
        guard case .rejected = decide(arn, admin: true) else {
            Issue.record("\(arn) accepted")
            return
        }
    }

    @Test func instanceTypesOfEveryShape() throws {
        let training = try JSONValue.parse(#"{"ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 2}}"#)
        #expect(ExecutionRole.instanceTypes(training) == ["ml.m5.large"])
        let groups = try JSONValue.parse(#"{"ResourceConfig": {"InstanceGroups": [{"InstanceType": "ml.c5.xlarge"}, {"InstanceType": "ml.m5.large"}]}}"#)
        #expect(ExecutionRole.instanceTypes(groups) == ["ml.c5.xlarge", "ml.m5.large"])
        let tuning = try JSONValue.parse("""
            {"HyperParameterTuningResourceConfig": {"InstanceConfigs": [{"InstanceType": "ml.m5.large"}, {"InstanceType": "ml.m5.large"},
             {"InstanceType": "ml.g5.xlarge"}]}}
            """)
        #expect(ExecutionRole.instanceTypes(tuning) == ["ml.m5.large", "ml.g5.xlarge"])
        #expect(ExecutionRole.instanceTypes(try JSONValue.parse("{}")) == [])
    }

    @Test func instanceTypesConditionHoldsForEveryType() throws {
        let limited = try policy("""
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sagemaker:CreateTrainingJob", "Resource": "*",
             "Condition": {"ForAllValues:StringLike": {"sagemaker:InstanceTypes": ["ml.m5.*"]}}}]}
            """)
        func decide(_ types: [String]) -> PolicyDecision {
            PolicyEvaluator.evaluate([limited], PolicyRequest(action: "sagemaker:CreateTrainingJob", resource: "arn:x",
                                                              context: ["sagemaker:InstanceTypes": types]))
        }
        #expect(decide(["ml.m5.large"]) == .allow)
        #expect(decide(["ml.m5.large", "ml.m5.xlarge"]) == .allow)
        #expect(decide(["ml.m5.large", "ml.c5.xlarge"]) == .implicitDeny)
        #expect(decide(["ml.c5.xlarge"]) == .implicitDeny)
    }
}

@Suite struct PolicyMatchingTests {
    @Test(arguments: [
        ("s3:Get*", "S3:GETOBJECT", true, true), ("s3:Get*", "s3:PutObject", true, false), ("*", "", true, true),
        ("arn:aws:s3:::Data/*", "arn:aws:s3:::data/x", false, false), ("arn:aws:s3:::data/?", "arn:aws:s3:::data/x", false, true),
        ("arn:aws:s3:::data/*/k", "arn:aws:s3:::data/a/b/k", false, true), ("a*b*c", "aXbYbZc", false, true), ("a*b*c", "aXbYbZ", false, false),
        ("", "", false, true), ("", "x", false, false), ("sagemaker:*TrainingJob*", "sagemaker:describetrainingjobs", true, true),
    ] as [(String, String, Bool, Bool)])
    func wildcards(pattern: String, value: String, ignoringCase: Bool, matches: Bool) {
        #expect(PolicyEvaluator.wildcard(pattern, value, ignoringCase: ignoringCase) == matches)
    }

    @Test func ipv4Blocks() {
        #expect(IPv4Block("10.0.0.0/8")?.contains("10.200.3.4") == true)
        #expect(IPv4Block("10.0.0.0/8")?.contains("11.0.0.1") == false)
        #expect(IPv4Block("127.0.0.1")?.contains("127.0.0.1") == true)
        #expect(IPv4Block("0.0.0.0/0")?.contains("8.8.8.8") == true)
        for bad in ["", "/8", "10.0.0/8", "10.0.0.256", "10.0.0.0/33", "10..0.0", "1.2.3.4.5", "::1", "10.0.0.0/x", "1234.0.0.0"] {
            #expect(IPv4Block(bad) == nil, "\(bad)")
        }
        #expect(IPv4Block("10.0.0.0/8")?.contains("") == false)
        #expect(IPv4Block("10.0.0.0/8")?.contains("10.0.0.1.1") == false)
    }

    @Test func contextKeysAreFoundWhateverTheirCase() throws {
        let request = PolicyRequest(action: "a:b", resource: "*", context: ["aws:SourceIp": ["1.2.3.4"], "aws:username": ["x"]])
        #expect(request.values("AWS:SOURCEIP") == ["1.2.3.4"] && request.values("aws:UserName") == ["x"])
        let lowered = PolicyRequest(action: "a:b", resource: "*", context: ["aws:sourceip": ["1.2.3.4"]])
        #expect(lowered.values("aws:SourceIp") == ["1.2.3.4"])
    }
}

@Suite struct PolicyContextKeyTests {
    @Test func theKeysAPrincipalsPoliciesRead() throws {
        let document = try policy("""
            {"Version": "2012-10-17", "Statement": [
              {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::home/${aws:username}/${*}",
               "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "StringEquals": {"s3:Prefix": "${aws:userid}"}}},
              {"Effect": "Deny", "Action": "iam:*", "Resource": "*", "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2030-01-01"}}}]}
            """)
        #expect(document.contextKeys == ["aws:username", "aws:sourceip", "s3:prefix", "aws:userid", "aws:currenttime"])
        var principal = Principal(accountID: "111122223333", name: "u", userID: "AIDA", isAdministrator: false)
        #expect(principal.contextKeys == nil)
        principal.policies = [document]
        #expect(principal.contextKeys == document.contextKeys)
        principal.policies = []
        #expect(principal.contextKeys == [])
    }
}
