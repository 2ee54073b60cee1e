import Foundation
import Testing
@testable import AnnealCore

func policy(_ text: String, trust: Bool = false) throws -> PolicyDocument {
    try PolicyDocument.parse(try JSONValue.parse(Array(text.utf8)), trust: trust)
}

@Suite struct PolicyEvaluatorTests {
    let dataScientist = """
        {"Version": "2012-10-17", "Statement": [
          {"Sid": "Train", "Effect": "Allow", "Action": ["sagemaker:*TrainingJob*", "sagemaker:List*"], "Resource": "*"},
          {"Sid": "Data", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"},
          {"Sid": "Home", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::home/${aws:username}/*"},
          {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::data/secret/*"},
          {"Sid": "SmallOnly", "Effect": "Deny", "Action": "sagemaker:CreateTrainingJob", "Resource": "*",
           "Condition": {"ForAnyValue:StringNotLike": {"sagemaker:InstanceTypes": ["ml.m5.*", "ml.t3.*"]}}}
        ]}
        """

    func decide(_ text: String, _ action: String, _ resource: String, _ context: [String: [String]] = [:]) throws -> PolicyDecision {
        PolicyEvaluator.evaluate([try policy(text)], PolicyRequest(action: action, resource: resource, context: context))
    }

    @Test func allowDenyAndImplicitDeny() throws {
        #expect(try decide(dataScientist, "sagemaker:CreateTrainingJob", "arn:aws:sagemaker:us-east-1:1:training-job/a",
                           ["sagemaker:InstanceTypes": ["ml.m5.large"]]) == .allow)
        #expect(try decide(dataScientist, "SageMaker:describetrainingjob", "arn:x") == .allow)  // actions ignore case
        #expect(try decide(dataScientist, "s3:GetObject", "arn:aws:s3:::data/train.csv") == .allow)
        #expect(try decide(dataScientist, "s3:GetObject", "arn:aws:s3:::data/secret/key") == .explicitDeny("NoSecrets"))
        #expect(try decide(dataScientist, "s3:PutObject", "arn:aws:s3:::data/train.csv") == .implicitDeny)
        #expect(try decide(dataScientist, "s3:GetObject", "arn:aws:s3:::DATA/train.csv") == .implicitDeny)  // resources keep case
        #expect(try decide(dataScientist, "iam:CreateUser", "*") == .implicitDeny)
    }

    @Test func multiValuedConditionKeys() throws {
        let create = { (types: [String]) in
            try self.decide(self.dataScientist, "sagemaker:CreateTrainingJob", "arn:j", ["sagemaker:InstanceTypes": types])
        }
        #expect(try create(["ml.m5.large", "ml.t3.medium"]) == .allow)
        #expect(try create(["ml.m5.large", "ml.p3.16xlarge"]) == .explicitDeny("SmallOnly"))
    }

    @Test func policyVariables() throws {
        let context = ["aws:username": ["alice"]]
        #expect(try decide(dataScientist, "s3:PutObject", "arn:aws:s3:::home/alice/x", context) == .allow)
        #expect(try decide(dataScientist, "s3:PutObject", "arn:aws:s3:::home/bob/x", context) == .implicitDeny)
        #expect(try decide(dataScientist, "s3:PutObject", "arn:aws:s3:::home/alice/x") == .implicitDeny)
    }

    @Test func notActionAndNotResource() throws {
        let text = """
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::private/*"}]}
            """
        #expect(try decide(text, "s3:GetObject", "arn:aws:s3:::public/a") == .allow)
        #expect(try decide(text, "s3:GetObject", "arn:aws:s3:::private/a") == .implicitDeny)
        #expect(try decide(text, "iam:CreateUser", "*") == .implicitDeny)
    }

    @Test func conditionOperators() throws {
        func allowed(_ condition: String, _ context: [String: [String]]) throws -> Bool {
            let text = """
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": \(condition)}]}
                """
            return try decide(text, "s3:GetObject", "arn:aws:s3:::b/k", context) == .allow
        }
        #expect(try allowed(#"{"Bool": {"aws:SecureTransport": "true"}}"#, ["aws:SecureTransport": ["true"]]))
        #expect(try !allowed(#"{"Bool": {"aws:SecureTransport": "true"}}"#, ["aws:SecureTransport": ["false"]]))
        #expect(try !allowed(#"{"Bool": {"aws:SecureTransport": true}}"#, [:]))
        #expect(try allowed(#"{"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.1.7"]}}"#, ["aws:SourceIp": ["10.4.5.6"]]))
        #expect(try allowed(#"{"IpAddress": {"aws:SourceIp": "192.168.1.7"}}"#, ["aws:SourceIp": ["192.168.1.7"]]))
        #expect(try !allowed(#"{"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}"#, ["aws:SourceIp": ["11.0.0.1"]]))
        #expect(try allowed(#"{"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}"#, ["aws:SourceIp": ["11.0.0.1"]]))
        #expect(try allowed(#"{"NumericLessThanEquals": {"sagemaker:MaxRuntimeInSeconds": 3600}}"#, ["sagemaker:MaxRuntimeInSeconds": ["3600"]]))
        #expect(try !allowed(#"{"NumericLessThanEquals": {"sagemaker:MaxRuntimeInSeconds": 3600}}"#, ["sagemaker:MaxRuntimeInSeconds": ["3601"]]))
        #expect(try allowed(#"{"StringEquals": {"aws:username": ["alice", "bob"]}}"#, ["aws:username": ["bob"]]))
        #expect(try !allowed(#"{"StringEquals": {"aws:username": "alice"}}"#, ["aws:username": ["Alice"]]))
        #expect(try allowed(#"{"StringEqualsIgnoreCase": {"aws:username": "alice"}}"#, ["aws:username": ["Alice"]]))
        #expect(try allowed(#"{"StringNotEquals": {"aws:username": "alice"}}"#, [:]))
        #expect(try allowed(#"{"StringLikeIfExists": {"sagemaker:InstanceTypes": "ml.m5.*"}}"#, [:]))
        #expect(try !allowed(#"{"StringLike": {"sagemaker:InstanceTypes": "ml.m5.*"}}"#, [:]))
        #expect(try allowed(#"{"ForAllValues:StringLike": {"sagemaker:InstanceTypes": "ml.m5.*"}}"#, ["sagemaker:InstanceTypes": ["ml.m5.large", "ml.m5.xlarge"]]))
        #expect(try !allowed(#"{"ForAllValues:StringLike": {"sagemaker:InstanceTypes": "ml.m5.*"}}"#, ["sagemaker:InstanceTypes": ["ml.m5.large", "ml.p3.2xlarge"]]))
        #expect(try allowed(#"{"ArnLike": {"aws:SourceArn": "arn:aws:sagemaker:*:123456789012:training-job/*"}}"#,
                            ["aws:SourceArn": ["arn:aws:sagemaker:us-east-1:123456789012:training-job/a"]]))
        #expect(try allowed(#"{"Null": {"sagemaker:VolumeKmsKey": "true"}}"#, [:]))
        #expect(try !allowed(#"{"Null": {"sagemaker:VolumeKmsKey": "true"}}"#, ["sagemaker:VolumeKmsKey": ["k"]]))
        #expect(try allowed(#"{"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}"#, ["aws:CurrentTime": ["2026-12-04T19:00:00Z"]]))
        #expect(try !allowed(#"{"DateGreaterThan": {"aws:CurrentTime": "2027-01-01"}}"#, ["aws:CurrentTime": ["2026-12-04T19:00:00Z"]]))
        // Every condition of a statement must hold.
        #expect(try !allowed(#"{"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"aws:username": "a"}}"#,
                             ["aws:SecureTransport": ["true"], "aws:username": ["b"]]))
    }

    @Test func wildcards() {
        #expect(PolicyEvaluator.wildcard("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y", ignoringCase: false))
        #expect(PolicyEvaluator.wildcard("a?c*", "abcdef", ignoringCase: false))
        #expect(!PolicyEvaluator.wildcard("a?c", "ac", ignoringCase: false))
        #expect(PolicyEvaluator.wildcard("*", "", ignoringCase: false))
        #expect(PolicyEvaluator.wildcard("s3:Get*", "S3:GETOBJECT", ignoringCase: true))
        #expect(!PolicyEvaluator.wildcard("s3:Get*", "s3:PutObject", ignoringCase: true))
    }

    @Test func malformedPoliciesAreRefusedSayingWhy() {
        let cases: [(String, String)] = [
            (#"[]"#, "must be a JSON object"),
            (#"{"Version": "2012-10-17"}"#, "needs a Statement"),
            (#"{"Version": "2020-01-01", "Statement": []}"#, "Version must be 2012-10-17"),
            (#"{"Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}"#, "Effect must be Allow or Deny"),
            (#"{"Statement": [{"Effect": "Allow", "Resource": "*"}]}"#, "Action (or NotAction) is required"),
            (#"{"Statement": [{"Effect": "Allow", "Action": "s3:*", "NotAction": "iam:*", "Resource": "*"}]}"#, "not both"),
            (#"{"Statement": [{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}]}"#, "must be written service:Action"),
            (#"{"Statement": [{"Effect": "Allow", "Action": "s3:*"}]}"#, "Resource (or NotResource) is required"),
            (#"{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringSorta": {"a": "b"}}}]}"#,
             "unknown condition operator StringSorta"),
            (#"{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Principal": "*"}]}"#, "takes no Principal"),
            (#"{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Extra": 1}]}"#, "unknown field Extra"),
        ]
        for (text, message) in cases {
            do {
                _ = try policy(text)
                Issue.record("accepted: \(text)")
            } catch let error as PolicyError {
                #expect(error.message.contains(message), "\(text): \(error.message)")
            } catch {
                Issue.record("\(text): \(error)")
            }
        }
    }

    @Test func trustPolicies() throws {
        let trust = try policy("""
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
             "Action": "sts:AssumeRole"}]}
            """, trust: true)
        #expect(PolicyEvaluator.trusts(trust, service: "sagemaker.amazonaws.com"))
        #expect(!PolicyEvaluator.trusts(trust, service: "ec2.amazonaws.com"))
        #expect(!PolicyEvaluator.trusts(trust, service: "sagemaker.amazonaws.com", action: "sts:TagSession"))
        let account = try policy("""
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
             "Action": "sts:AssumeRole"}]}
            """, trust: true)
        #expect(PolicyEvaluator.trusts(account, principalARN: "arn:aws:iam::123456789012:user/alice", accountID: "123456789012"))
        #expect(!PolicyEvaluator.trusts(account, principalARN: "arn:aws:iam::999999999999:user/eve", accountID: "999999999999"))
        #expect(throws: PolicyError.self) {
            _ = try policy(#"{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}"#, trust: true)
        }
    }
}
