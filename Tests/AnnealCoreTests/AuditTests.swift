import Testing
@testable import AnnealCore

@Suite struct AuditRuleTests {
    @Test(arguments: [
        ("iam:CreateUser", nil, true), ("iam:PutUserPolicy", "MalformedPolicyDocument", true), ("iam:GetUser", nil, false),
        ("iam:ListRoles", nil, false), ("IAM:DeleteRole", nil, true), ("sts:AssumeRole", nil, true), ("sts:GetSessionToken", nil, true),
        ("sts:GetCallerIdentity", nil, false), ("s3:GetObject", nil, false), ("s3:GetObject", "AccessDenied", true),
        ("sagemaker:ListTrainingJobs", "AccessDeniedException", true), ("sagemaker:CreateTrainingJob", "ValidationException", false),
        ("sts:*", "SignatureDoesNotMatch", true), ("s3:*", "ExpiredToken", true), ("s3:PutObject", "NoSuchBucket", false),
        ("iam:", nil, false),
    ] as [(String, String?, Bool)])
    func whatIsRecorded(action: String, errorCode: String?, recorded: Bool) {
        #expect(AuditRule.records(action: action, errorCode: errorCode) == recorded)
    }

    @Test func denialsAreRefusals() {
        #expect(AuditRule.isDenial("AccessDenied") && AuditRule.isDenial("InvalidClientTokenId"))
        #expect(!AuditRule.isDenial(nil) && !AuditRule.isDenial("EntityAlreadyExists") && !AuditRule.isDenial("ThrottlingException"))
    }
}

@Suite struct AuditQueryTests {
    func parse(_ text: String) throws -> Result<AuditQuery, AuditQueryError> {
        AuditQuery.parse(try JSONValue.parse(text))
    }

    @Test func defaultsAndEveryField() throws {
        #expect(try parse("{}") == .success(AuditQuery()))
        let token = AuditPageToken.encode(12345)
        let full = try parse("""
            {"StartTime": 1700000000.5, "EndTime": 1700000100, "Outcome": "Denied", "Principal": "arn:aws:iam::1:user/a",
             "MaxResults": 1000, "NextToken": "\(token)"}
            """)
        #expect(full == .success(AuditQuery(startMilliseconds: 1_700_000_000_500, endMilliseconds: 1_700_000_100_000, outcome: .denied,
                                            principal: "arn:aws:iam::1:user/a", maxResults: 1000, beforeID: 12345)))
        #expect(try parse(#"{"Outcome": null, "MaxResults": null}"#) == .success(AuditQuery()))
    }

    @Test(arguments: [
        (#"{"MaxResults": 0}"#, "MaxResults"), (#"{"MaxResults": 1001}"#, "MaxResults"), (#"{"MaxResults": 2.5}"#, "MaxResults"),
        (#"{"MaxResults": "10"}"#, "MaxResults"), (#"{"Outcome": "allowed"}"#, "Outcome"), (#"{"StartTime": -1}"#, "StartTime"),
        (#"{"EndTime": "now"}"#, "EndTime"), (#"{"StartTime": 10, "EndTime": 5}"#, "StartTime"), (#"{"Principal": ""}"#, "Principal"),
        (#"{"NextToken": "abc"}"#, "NextToken"), (#"{"NextToken": "audit-"}"#, "NextToken"), (#"{"Extra": 1}"#, "Extra"), ("[]", "object"),
    ])
    func invalidRequestsNameTheField(body: String, field: String) throws {
        guard case .failure(let error) = try parse(body) else {
            Issue.record("\(body) was accepted")
            return
        }
        #expect(error.message.contains(field))
    }

    @Test func pageTokensRoundTripAndRefuseForgeries() {
        for id: Int64 in [1, 36, 1_000_000, Int64.max] { #expect(AuditPageToken.decode(AuditPageToken.encode(id)) == id) }
        #expect(AuditPageToken.decode("audit-0") == nil)
        #expect(AuditPageToken.decode("audit--5") == nil)
        #expect(AuditPageToken.decode("other-5") == nil)
    }

    @Test func sinceReadsDurationsEpochsAndTimes() {
        let now: Int64 = 1_700_000_000_000
        #expect(AuditQuery.since("90s", nowMilliseconds: now) == now - 90_000)
        #expect(AuditQuery.since("15m", nowMilliseconds: now) == now - 900_000)
        #expect(AuditQuery.since("2h", nowMilliseconds: now) == now - 7_200_000)
        #expect(AuditQuery.since("7d", nowMilliseconds: now) == now - 604_800_000)
        #expect(AuditQuery.since("1700000000", nowMilliseconds: now) == 1_700_000_000_000)
        #expect(AuditQuery.since("2023-11-14T22:13:20Z", nowMilliseconds: now) == 1_700_000_000_000)
        #expect(AuditQuery.since("2023-11-14", nowMilliseconds: now) == 1_699_920_000_000)
        for bad in ["", "soon", "5w", "-5m", "h", "12:00"] { #expect(AuditQuery.since(bad, nowMilliseconds: now) == nil, "\(bad)") }
    }
}
