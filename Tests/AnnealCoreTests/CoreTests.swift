import Testing
@testable import AnnealCore

@Suite struct AuthorizationTests {
    let admin = Principal(accountID: "123456789012", name: "admin", userID: "AIDAADMIN", isAdministrator: true)
    let alice = Principal(accountID: "123456789012", name: "alice", userID: "AIDAALICE", isAdministrator: false)

    @Test(arguments: ["sts:GetCallerIdentity", "s3:GetObject", "sagemaker:CreateTrainingJob", "iam:CreateUser"])
    func administratorMayDoEverything(action: String) {
        #expect(AdministratorOnlyPolicy().decide(AuthorizationRequest(principal: admin, action: action, resource: "*")) == .allow)
    }

    @Test func othersAreDeniedWithTheActionNamed() {
        let decision = AdministratorOnlyPolicy().decide(
            AuthorizationRequest(principal: alice, action: "s3:GetObject", resource: "arn:aws:s3:::data/x"))
        guard case .deny(let reason) = decision else {
            Issue.record("expected a denial")
            return
        }
        #expect(reason.contains("arn:aws:iam::123456789012:user/alice"))
        #expect(reason.contains("s3:GetObject"))
        #expect(reason.contains("arn:aws:s3:::data/x"))
    }

    @Test func arns() {
        #expect(admin.arn == "arn:aws:iam::123456789012:user/admin")
        let role = Principal(accountID: "123456789012", kind: .assumedRole, name: "Job/session", userID: "AROA", isAdministrator: false)
        #expect(role.arn == "arn:aws:sts::123456789012:assumed-role/Job/session")
    }
}

@Suite struct IdentifierFormatTests {
    @Test func accessKeyIDsLookLikeAWSOnes() {
        let id = IdentifierFormat.accessKeyID(random: Array(0..<16))
        #expect(id.count == 20)
        #expect(id.hasPrefix("AKIA"))
        #expect(id.allSatisfy { ("A"..."Z").contains($0) || ("2"..."7").contains($0) })
        #expect(IdentifierFormat.accessKeyID(random: Array(0..<16)) == id, "deterministic for the same bytes")
        #expect(IdentifierFormat.accessKeyID(random: Array(1..<17)) != id)
    }

    @Test func secretsAreFortyCharacters() {
        let secret = IdentifierFormat.secretAccessKey(random: (0..<40).map { UInt8($0 * 7 % 256) })
        #expect(secret.count == 40)
        #expect(Set(secret).count > 10)
    }

    @Test(arguments: [[UInt8](repeating: 0, count: 12), [UInt8](repeating: 255, count: 12), Array(0..<12)])
    func accountIDsAreTwelveDigitsWithoutLeadingZero(random: [UInt8]) {
        let id = IdentifierFormat.accountID(random: random)
        #expect(id.count == 12)
        #expect(id.allSatisfy { $0.isNumber })
        #expect(id.first != "0")
    }

    @Test func userIDs() {
        let id = IdentifierFormat.userID(random: Array(0..<17))
        #expect(id.hasPrefix("AIDA") && id.count == 21)
    }
}

@Suite struct S3NamesTests {
    @Test(arguments: ["abc", "my-bucket", "my.bucket.name", "a1b2c3", String(repeating: "a", count: 63), "sagemaker-us-west-2-123456789012"])
    func validBucketNames(name: String) {
        #expect(S3Names.bucketNameProblem(name) == nil)
    }

    @Test(arguments: ["ab", String(repeating: "a", count: 64), "My-Bucket", "my_bucket", "-bucket", "bucket-", "my..bucket",
                      "my.-bucket", "192.168.5.4", "xn--bucket", "bucket-s3alias", "buck et", "bücket", ""])
    func invalidBucketNames(name: String) {
        #expect(S3Names.bucketNameProblem(name) != nil)
    }
}
