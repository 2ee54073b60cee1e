import AnnealCore
import AnnealCrypto
import AnnealStore
import Foundation
import Testing
@testable import AnnealServices

@Suite struct SessionCredentialsTests {
    func resolver() throws -> (CredentialResolver, Bootstrap.Administrator) {
        let home = NSTemporaryDirectory() + "anneal-session-" + UUID().uuidString
        try SafeFile.makeDirectory(home)
        let identity = IdentityStore(database: try Database(path: home + "/a.db"))
        let box = try SecretBox(key: SecureRandom.bytes(32))
        let admin = try Bootstrap.administrator(identity: identity, box: box, now: 1)
        return (CredentialResolver(identity: identity, box: box), admin)
    }

    @Test func aSessionNeedsItsTokenAndEnds() throws {
        let (resolver, admin) = try resolver()
        let session = try resolver.issueSession(accountID: admin.accountID, roleARN: "arn:aws:iam::\(admin.accountID):role/path/TrainRole",
                                                sessionName: "SageMaker", trainingJob: "job-7", lifetime: 100, now: 1_000)
        #expect(session.accessKeyID.hasPrefix("ASIA") && session.accessKeyID.count == 20 && session.secret.count == 40)
        #expect(session.expiration == 1_100)
        guard case .found(let found) = resolver.resolve(session.accessKeyID, sessionToken: session.sessionToken, now: 1_050) else {
            Issue.record("a valid session did not resolve")
            return
        }
        #expect(found.secret == session.secret)
        #expect(found.principal.arn == "arn:aws:sts::\(admin.accountID):assumed-role/TrainRole/SageMaker")
        #expect(found.principal.trainingJob == "job-7" && !found.principal.isAdministrator)
        guard case .invalidToken = resolver.resolve(session.accessKeyID, sessionToken: nil, now: 1_050) else {
            Issue.record("a session key without its token resolved")
            return
        }
        guard case .invalidToken = resolver.resolve(session.accessKeyID, sessionToken: session.sessionToken + "x", now: 1_050) else {
            Issue.record("a session key with a wrong token resolved")
            return
        }
        guard case .expired = resolver.resolve(session.accessKeyID, sessionToken: session.sessionToken, now: 1_100) else {
            Issue.record("an ended session resolved")
            return
        }
        guard case .invalidToken = resolver.resolve(admin.accessKeyID, sessionToken: session.sessionToken) else {
            Issue.record("a long-term key with a session token resolved")
            return
        }
    }
}

@Suite struct JobSessionPolicyTests {
    let principal = Principal(accountID: "123456789012", kind: .assumedRole, name: "Role/SageMaker", userID: "AROA:SageMaker",
                              isAdministrator: false, trainingJob: "Job-1")

    func decide(_ action: String, _ resource: String = "*") -> AuthorizationDecision {
        PlatformPolicy().decide(AuthorizationRequest(principal: principal, action: action, resource: resource))
    }

    @Test func theSessionMayDoWhatItsJobNeeds() {
        let own = "arn:aws:sagemaker:us-east-1:123456789012:training-job/job-1"
        #expect(decide("anneal:GetWorkerAssignment", own) == .allow)
        #expect(decide("anneal:ReportWorkerProgress", own) == .allow)
        #expect(decide("sagemaker:DescribeTrainingJob", own) == .allow)
        #expect(decide("s3:GetObject", "arn:aws:s3:::data/train.csv") == .allow)
        #expect(decide("s3:PutObject", "arn:aws:s3:::out/model.tar.gz") == .allow)
        #expect(decide("logs:PutLogEvents", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/TrainingJobs") == .allow)
        #expect(decide("cloudwatch:PutMetricData") == .allow)
    }

    @Test func andNothingElse() {
        let other = "arn:aws:sagemaker:us-east-1:123456789012:training-job/job-2"
        for (action, resource) in [("anneal:GetWorkerAssignment", other), ("anneal:ReportWorkerProgress", other),
                                   ("sagemaker:DescribeTrainingJob", other), ("sagemaker:CreateTrainingJob", other),
                                   ("sagemaker:StopTrainingJob", "arn:aws:sagemaker:us-east-1:123456789012:training-job/job-1"),
                                   ("sagemaker:ListTrainingJobs", "*"), ("iam:PassRole", "*"), ("logs:DeleteLogGroup", "*"),
                                   ("anneal:GetWorkerAssignment", "arn:aws:sagemaker:us-east-1:123456789012:training-job/job-10")] {
            guard case .deny(let reason) = decide(action, resource) else {
                Issue.record("\(action) on \(resource) was allowed")
                continue
            }
            #expect(reason.contains(action) && reason.contains("Job-1"))
        }
    }

    @Test func usersWhoAreNotAdministratorsAreStillDenied() {
        let user = Principal(accountID: "123456789012", name: "bob", userID: "AIDA", isAdministrator: false)
        #expect(PlatformPolicy().decide(AuthorizationRequest(principal: user, action: "s3:GetObject", resource: "*")) != .allow)
    }
}
