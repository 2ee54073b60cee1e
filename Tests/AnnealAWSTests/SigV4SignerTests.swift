import AnnealCrypto
import Testing
@testable import AnnealAWS

@Suite struct SigV4SignerTests {
    @Test(arguments: [
        (Int64(0), "19700101T000000Z"),
        (Int64(1_440_938_160), "20150830T123600Z"),
        (Int64(951_782_400), "20000229T000000Z"),
        (Int64(1_796_396_783), "20261204T150623Z"),  // date -u -d @1796396783
    ])
    func formatsAmzDates(epoch: Int64, expected: String) {
        #expect(SigV4Time.amzDate(epoch) == expected)
        #expect(SigV4Time.parseAmzDate(expected) == epoch)
    }

    @Test func signedRequestsVerifyAndTamperingIsCaught() throws {
        let signer = SigV4Signer(accessKeyID: "AKIDEXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                 region: "us-west-2", service: "sagemaker")
        let now: Int64 = 1_796_396_783
        let body = "{}"
        let headers = signer.sign(method: "POST", rawPath: "/", headers: [("host", "127.0.0.1:8717"),
                                  ("x-amz-target", "SageMaker.ListTrainingJobs")],
                                  payloadHash: SHA256Hex.of(body), time: now)
        let request = SigV4Request(method: "POST", rawPath: "/", rawQuery: "", headers: headers)
        let auth = try #require(try SigV4.parse(request))
        #expect(auth.credential.service == "sagemaker")
        try SigV4.verify(request, auth: auth, secret: signer.secret, payloadHash: SHA256Hex.of(body),
                         singleEncodePath: false, now: now + 10)
        #expect(throws: SigV4Error.self) {
            try SigV4.verify(request, auth: auth, secret: signer.secret, payloadHash: SHA256Hex.of("{ }"),
                             singleEncodePath: false, now: now)
        }
    }
}

enum SHA256Hex {
    static func of(_ text: String) -> String { SHA256.hex(Array(text.utf8)) }
}
