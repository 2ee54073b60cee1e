import AnnealAWS
import AnnealCore
import AnnealStore
import Foundation
import Testing
@testable import AnnealServices

private struct AllowAll: AccessPolicy {
    func decide(_ request: AuthorizationRequest) -> AuthorizationDecision { .allow }
}

private struct DenyAll: AccessPolicy {
    func decide(_ request: AuthorizationRequest) -> AuthorizationDecision { .deny("no: \(request.action)") }
}

private let now: Int64 = 1_800_000_000_000

private func makeService() throws -> CloudWatchService {
    let directory = NSTemporaryDirectory() + "anneal-cw-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    return CloudWatchService(store: MetricStore(database: try Database(path: directory + "/anneal.db")), clock: { now })
}

private func context(_ wire: AWSProtocol = .json10, policy: any AccessPolicy = AllowAll()) -> CallContext {
    CallContext(requestID: "r", principal: Principal(accountID: "123456789012", name: "admin", userID: "AIDA", isAdministrator: true),
                accessKeyID: "AK", region: "us-east-1", remoteAddress: "127.0.0.1", isSecure: false, wire: wire, policy: policy)
}

private func call(_ service: CloudWatchService, _ operation: String, _ json: String) throws(AWSError) -> JSONValue {
    let reply = try service.handle(operation: operation, body: Array(json.utf8), context: context())
    return (try? JSONValue.parse(reply)) ?? .null
}

private func errorCode(_ body: () throws -> Void) -> String? {
    do { try body() } catch let error as AWSError { return error.queryCode ?? error.code } catch { return "\(error)" }
    return nil
}

@Suite struct CloudWatchServiceTests {
    @Test func statisticsComeBackPerPeriodFromAnAlignedStart() throws {
        let service = try makeService()
        let base = (now / 1000 / 60) * 60 - 600  // a minute boundary, ten minutes ago
        let data = [(5, 1.0), (20, 3.0), (70, 10.0)].map { offset, value in
            #"{"MetricName":"loss","Value":\#(value),"Timestamp":\#(base + Int64(offset)),"Dimensions":[{"Name":"TrainingJobName","Value":"j"}]}"#
        }.joined(separator: ",")
        _ = try call(service, "PutMetricData", #"{"Namespace":"/aws/sagemaker/TrainingJobs","MetricData":[\#(data)]}"#)
        // StartTime 17 s past the minute: rounded down to the minute.
        let reply = try call(service, "GetMetricStatistics", """
            {"Namespace":"/aws/sagemaker/TrainingJobs","MetricName":"loss","Dimensions":[{"Name":"TrainingJobName","Value":"j"}],
             "StartTime":\(base + 17),"EndTime":\(base + 600),"Period":60,"Statistics":["Average","SampleCount","Maximum"]}
            """)
        let points = reply["Datapoints"]?.array ?? []
        #expect(points.count == 2)
        #expect(points.first?["Timestamp"]?.number == Double(base))
        #expect(points.first?["Average"]?.number == 2)
        #expect(points.first?["SampleCount"]?.number == 2)
        #expect(points.last?["Maximum"]?.number == 10)
        #expect(points.last?["Timestamp"]?.number == Double(base + 60))
        #expect(reply["Label"]?.string == "loss")
    }

    @Test(arguments: [
        (#"{"Namespace":"n","MetricData":[{"MetricName":"m","Value":"NaN"}]}"#, "InvalidParameterValue"),
        (#"{"Namespace":"n","MetricData":[{"MetricName":"m","Value":"-Infinity"}]}"#, "InvalidParameterValue"),
        (#"{"Namespace":"n","MetricData":[{"MetricName":"m"}]}"#, "InvalidParameterCombination"),
        (#"{"Namespace":"n","MetricData":[{"Value":1}]}"#, "MissingParameter"),
        (#"{"Namespace":"n","MetricData":[]}"#, "MissingParameter"),
        (#"{"MetricData":[{"MetricName":"m","Value":1}]}"#, "MissingParameter"),
        (#"{"Namespace":":x","MetricData":[{"MetricName":"m","Value":1}]}"#, "InvalidParameterValue"),
        (#"{"Namespace":"n","MetricData":[{"MetricName":"m","Value":1,"Unit":"Furlongs"}]}"#, "InvalidParameterValue"),
        (#"{"Namespace":"n","MetricData":[{"MetricName":"m","Value":1,"Timestamp":1}]}"#, "InvalidParameterValue"),
        (#"{"Namespace":"n","MetricData":[{"MetricName":"m","Value":"x"}]}"#, "InvalidParameterValue"),
        (#"{"Namespace":"n","MetricData":[{"MetricName":"m","Values":[1,2],"Counts":[1]}]}"#, "InvalidParameterValue"),
        (#"{"Namespace":"n","MetricData":[{"MetricName":"m","Counts":[1]}]}"#, "InvalidParameterCombination"),
        (#"{"Namespace":"n","MetricName":"m","StartTime":1800000000,"EndTime":1799999000,"Period":60,"Statistics":["Sum"]}"#, "InvalidParameterValue"),
    ])
    func badInputGetsTheAWSErrorCode(body: String, expected: String) throws {
        let service = try makeService()
        let operation = body.contains("MetricData") ? "PutMetricData" : "GetMetricStatistics"
        #expect(errorCode { _ = try call(service, operation, body) } == expected)
    }

    @Test func tooManyMetricsAndDatapointsAreRefused() throws {
        let service = try makeService()
        let many = (0...1000).map { #"{"MetricName":"m\#($0)","Value":1}"# }.joined(separator: ",")
        #expect(errorCode { _ = try call(service, "PutMetricData", #"{"Namespace":"n","MetricData":[\#(many)]}"#) } == "InvalidParameterValue")
        let window = #""Namespace":"n","MetricName":"m","StartTime":1799990000,"EndTime":1800000000"#
        #expect(errorCode { _ = try call(service, "GetMetricStatistics", #"{\#(window),"Period":5,"Statistics":["Sum"]}"#) }
            == "InvalidParameterCombination")
        #expect(errorCode { _ = try call(service, "GetMetricStatistics", #"{\#(window),"Period":7,"Statistics":["Sum"]}"#) }
            == "InvalidParameterValue")
        #expect(errorCode { _ = try call(service, "GetMetricStatistics", #"{\#(window),"Period":60,"Statistics":["p90"]}"#) }
            == "InvalidParameterValue")
        #expect(errorCode { _ = try call(service, "GetMetricStatistics", #"{\#(window),"Period":60}"#) } == "InvalidParameterCombination")
        #expect(errorCode { _ = try call(service, "GetMetricStatistics", #"{\#(window),"Period":60,"ExtendedStatistics":["p99"]}"#) }
            == "InvalidParameterValue")
        #expect(errorCode { _ = try call(service, "Nope", "{}") } == "UnknownOperationException")
        #expect(throws: AWSError.self) { _ = try service.handle(operation: "ListMetrics", body: Array("[1]".utf8), context: context()) }
    }

    @Test func everyOperationIsAuthorised() throws {
        let service = try makeService()
        for operation in ["PutMetricData", "GetMetricStatistics", "GetMetricData", "ListMetrics"] {
            let denied = #expect(throws: AWSError.self) {
                _ = try service.handle(operation: operation, body: Array("{}".utf8), context: context(policy: DenyAll()))
            }
            #expect(denied?.message == "no: cloudwatch:\(operation)")
        }
    }

    @Test func theQueryFormReadsAsTheJSONTreeAndRepliesInXML() throws {
        let service = try makeService()
        let put = try service.handle(action: "PutMetricData", parameters: [
            "Action": "PutMetricData", "Version": "2010-08-01", "Namespace": "Q",
            "MetricData.member.1.MetricName": "m", "MetricData.member.1.Value": "2.5",
            "MetricData.member.1.Timestamp": "2027-01-15T08:00:00Z",
            "MetricData.member.1.Dimensions.member.2.Name": "b", "MetricData.member.1.Dimensions.member.2.Value": "2",
            "MetricData.member.1.Dimensions.member.1.Name": "a", "MetricData.member.1.Dimensions.member.1.Value": "1",
            "MetricData.member.2.MetricName": "m", "MetricData.member.2.Value": "3.5",
            "MetricData.member.2.Timestamp": "2027-01-15T08:00:30.500Z",
            "MetricData.member.2.Dimensions.member.1.Name": "b", "MetricData.member.2.Dimensions.member.1.Value": "2",
            "MetricData.member.2.Dimensions.member.2.Name": "a", "MetricData.member.2.Dimensions.member.2.Value": "1",
        ], context: context(.query))
        #expect(put.hasPrefix(#"<PutMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">"#))
        #expect(!put.contains("PutMetricDataResult"))
        let xml = try service.handle(action: "GetMetricStatistics", parameters: [
            "Namespace": "Q", "MetricName": "m", "StartTime": "2027-01-15T07:59:00Z", "EndTime": "2027-01-15T08:05:00Z", "Period": "300",
            "Statistics.member.1": "Average", "Dimensions.member.1.Name": "a", "Dimensions.member.1.Value": "1",
            "Dimensions.member.2.Name": "b", "Dimensions.member.2.Value": "2",
        ], context: context(.query))
        #expect(xml.contains("<Datapoints><member><Average>3</Average><Timestamp>2027-01-15T07:59:00.000Z</Timestamp><Unit>None</Unit></member></Datapoints>"))
        let listed = try service.handle(action: "ListMetrics", parameters: ["Namespace": "Q", "Dimensions": ""], context: context(.query))
        #expect(listed.contains("<Dimensions><member><Name>a</Name><Value>1</Value></member><member><Name>b</Name><Value>2</Value></member></Dimensions>"))
        let unknown = #expect(throws: AWSError.self) { _ = try service.handle(action: "Nope", parameters: [:], context: context(.query)) }
        #expect(unknown?.code == "InvalidAction")
    }

    @Test func getMetricDataPagesThroughEveryQuery() throws {
        let service = try makeService()
        let base = (now / 1000 / 60) * 60 - 3600
        let data = (0..<6).map { #"{"MetricName":"m","Value":\#($0),"Timestamp":\#(base + Int64($0) * 60)}"# }.joined(separator: ",")
        _ = try call(service, "PutMetricData", #"{"Namespace":"n","MetricData":[\#(data)]}"#)
        let stat = #"{"Metric":{"Namespace":"n","MetricName":"m"},"Period":60,"Stat":"Sum"}"#
        var token: String?
        var seen: [String: [Double]] = [:]
        var pages = 0
        repeat {
            let next = token.map { #","NextToken":"\#($0)""# } ?? ""
            let reply = try call(service, "GetMetricData", """
                {"MetricDataQueries":[{"Id":"a","MetricStat":\(stat)},{"Id":"b","MetricStat":\(stat),"Label":"bee"}],
                 "StartTime":\(base),"EndTime":\(base + 3600),"MaxDatapoints":5,"ScanBy":"TimestampAscending"\(next)}
                """)
            for result in reply["MetricDataResults"]?.array ?? [] {
                seen[result["Id"]?.string ?? "", default: []] += (result["Values"]?.array ?? []).compactMap(\.number)
            }
            token = reply["NextToken"]?.string
            pages += 1
        } while token != nil && pages < 10
        #expect(pages == 3)
        #expect(seen["a"] == [0, 1, 2, 3, 4, 5])
        #expect(seen["b"] == [0, 1, 2, 3, 4, 5])
        #expect(errorCode { _ = try call(service, "GetMetricData", """
            {"MetricDataQueries":[{"Id":"a","MetricStat":\(stat)}],"StartTime":\(base),"EndTime":\(base + 60),"NextToken":"zzz"}
            """) } == "InvalidNextToken")
    }

    @Test func iso8601TimesReadAndWrite() {
        #expect(ISO8601Time.parse("2027-01-15T08:00:00Z") == 1_800_000_000)
        #expect(ISO8601Time.parse("2027-01-15T09:00:00.250+01:00") == 1_800_000_000.25)
        #expect(ISO8601Time.parse("2027-01-15") == 1_799_971_200)
        #expect(ISO8601Time.parse("yesterday") == nil)
        #expect(ISO8601Time.format(milliseconds: 1_800_000_000_250) == "2027-01-15T08:00:00.250Z")
    }

    @Test func gzipBodiesInflateAndBombsAreRefused() throws {
        // "{}" gzip-compressed (python: gzip.compress(b"{}", mtime=0)).
        let compressed: [UInt8] = [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab, 0xae, 0x05, 0x00, 0x43, 0xbf,
                                   0xa6, 0xa3, 0x02, 0x00, 0x00, 0x00]
        #expect(try GzipBody.inflate(compressed, limit: 10) == Array("{}".utf8))
        #expect(throws: AWSError.self) { _ = try GzipBody.inflate(compressed, limit: 1) }
        #expect(throws: AWSError.self) { _ = try GzipBody.inflate(Array("{}".utf8), limit: 10) }
        #expect(GzipBody.isGzip("gzip") && GzipBody.isGzip("aws-chunked, GZIP") && !GzipBody.isGzip("identity") && !GzipBody.isGzip(nil))
    }
}
