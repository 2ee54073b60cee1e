/// A small XML builder for AWS replies: elements, text, escaping; nothing else is needed.
public struct XMLWriter: Sendable {
    public private(set) var text: String

    public init(declaration: Bool = true) {
        text = declaration ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" : ""
    }

    /// `<name attrs>` ... `</name>` around what `body` writes.
    public mutating func element(_ name: String, attributes: [(String, String)] = [], _ body: (inout XMLWriter) -> Void) {
        open(name, attributes: attributes)
        body(&self)
        text += "</\(name)>"
    }

    /// `<name>escaped value</name>`.
    public mutating func element(_ name: String, _ value: String) {
        text += "<\(name)>"
        text += XMLWriter.escape(value)
        text += "</\(name)>"
    }

    /// Appends already-escaped text.
    public mutating func raw(_ escaped: String) {
        text += escaped
    }

    /// Writes the element only when `value` is non-nil.
    public mutating func optional(_ name: String, _ value: String?) {
        if let value { element(name, value) }
    }

    private mutating func open(_ name: String, attributes: [(String, String)]) {
        text += "<\(name)"
        for (key, value) in attributes { text += " \(key)=\"\(XMLWriter.escape(value))\"" }
        text += ">"
    }

    public static func escape(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 || $0 < 0x20 }) else {
            return value
        }
        var out = ""
        out.reserveCapacity(value.utf8.count + 16)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n", "\r", "\t": out += "&#\(scalar.value);"
            default:
                if scalar.value < 0x20 { out += "&#\(scalar.value);" } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}
