import AnnealAWS
import AnnealCore
import AnnealStore

extension CloudWatchService {
    static let listPageSize = 500

    func listMetrics(_ input: CloudWatchInput) throws(AWSError) -> JSONValue {
        let namespace = try Self.namespace(input, required: false, writing: false)
        let name = try input.string("MetricName", length: 1...255)
        var filters: [(name: String, value: String?)] = []
        for item in try input.list("Dimensions", max: 10) {
            guard let name = try item.string("Name", length: 1...255) else { throw CloudWatchErrors.missing(item.name("Name")) }
            filters.append((name, try item.string("Value", length: 1...1024)))
        }
        var activeSince: Int64?
        if let recent = try input.string("RecentlyActive") {
            guard recent == "PT3H" else { throw CloudWatchErrors.invalid("The value \(recent) for parameter RecentlyActive is invalid.") }
            activeSince = clock() - 3 * 3_600_000
        }
        var after: Int64?
        if let token = try input.string("NextToken") {
            guard token.hasPrefix("s"), let id = Int64(token.dropFirst()), id >= 0 else { throw CloudWatchErrors.invalidToken() }
            after = id
        }
        let found = try storing { () throws(StoreError) in
            try store.series(namespace: namespace, name: name, filters: filters, activeSince: activeSince, after: after,
                             limit: Self.listPageSize + 1)
        }
        let page = found.prefix(Self.listPageSize)
        var reply: [String: JSONValue] = ["Metrics": .array(page.map { Self.metric($0.key) })]
        if found.count > Self.listPageSize, let last = page.last { reply["NextToken"] = .string("s\(last.id)") }
        return .object(reply)
    }

    static func metric(_ key: MetricKey) -> JSONValue {
        ["Namespace": .string(key.namespace), "MetricName": .string(key.name),
         "Dimensions": .array(key.dimensions.map { ["Name": .string($0.name), "Value": .string($0.value)] })]
    }
}

/// Query replies: the JSON reply tree written as CloudWatch's XML (`<member>` for list items,
/// ISO 8601 for times).
enum CloudWatchReplies {
    /// Members that hold times (epoch seconds in JSON).
    static let timeMembers: Set<String> = ["Timestamp", "Timestamps"]

    static func xml(action: String, namespace: String, requestID: String, _ reply: JSONValue) -> String {
        var xml = XMLWriter(declaration: false)
        xml.element("\(action)Response", attributes: [("xmlns", namespace)]) { xml in
            if let members = reply.object, !members.isEmpty {
                xml.element("\(action)Result") { write(members, into: &$0) }
            }
            xml.element("ResponseMetadata") { $0.element("RequestId", requestID) }
        }
        return xml.text
    }

    static func write(_ members: [String: JSONValue], into xml: inout XMLWriter) {
        for (name, value) in members.sorted(by: { $0.key < $1.key }) {
            write(value, named: name, isTime: timeMembers.contains(name), into: &xml)
        }
    }

    static func write(_ value: JSONValue, named name: String, isTime: Bool, into xml: inout XMLWriter) {
        switch value {
        case .null: return
        case .object(let members): xml.element(name) { write(members, into: &$0) }
        case .array(let items):
            xml.element(name) { xml in
                for item in items { write(item, named: "member", isTime: isTime, into: &xml) }
            }
        case .number(let number) where isTime:
            xml.element(name, ISO8601Time.format(milliseconds: Int64((number * 1000).rounded())))
        case .number, .bool: xml.element(name, value.serialized)
        case .string(let text): xml.element(name, text)
        }
    }
}
