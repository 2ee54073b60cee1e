/// The parser behind `XMLDocument.parse`: one pass over the bytes, with the open elements on an
/// explicit stack so depth costs heap, bounded by `maxDepth`, never call stack.
struct XMLDocumentParser {
    /// An element whose end tag has not been read yet.
    private struct OpenElement {
        /// The name as written, prefix included, to match the end tag against.
        var qualifiedName: ArraySlice<UInt8>
        var element: XMLElement
        /// Character data so far, as UTF-8; turned into a `String` once, at the end tag.
        var text: [UInt8] = []
    }

    private let bytes: [UInt8]
    private let maxDepth: Int
    private let maxElements: Int
    private var position = 0
    private var open: [OpenElement] = []
    private var elementCount = 0
    private var root: XMLElement?

    init(bytes: [UInt8], maxDepth: Int, maxElements: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.maxElements = maxElements
    }

    mutating func parse() throws(XMLParseError) -> XMLElement {
        // Validated up front, so every slice turned into a String below is known to be UTF-8 and
        // made of XML characters only.
        try XMLSyntax.validateCharacters(bytes)
        if has([0xEF, 0xBB, 0xBF]) { position = 3 }
        if has("<?xml"), position + 5 < bytes.count, XMLSyntax.isSpace(bytes[position + 5]) || bytes[position + 5] == 0x3F {
            try parseDeclaration()
        }
        while position < bytes.count {
            if bytes[position] == 0x3C {
                try parseMarkup()
            } else if open.isEmpty {
                guard XMLSyntax.isSpace(bytes[position]) else { throw error("Text outside the root element.") }
                position += 1
            } else if bytes[position] == 0x26 {
                let scalar = try parseReference()
                XMLSyntax.appendUTF8(scalar, to: &open[open.count - 1].text)
            } else {
                parseText()
            }
        }
        if let unclosed = open.last {
            throw error("The document ended inside <\(XMLSyntax.string(unclosed.qualifiedName))>.")
        }
        guard let root else { throw error("The document has no root element.") }
        return root
    }

    // MARK: - Markup

    /// Something starting with `<`: a tag, comment, processing instruction or CDATA section.
    private mutating func parseMarkup() throws(XMLParseError) {
        if has("<!--") {
            position = try end(of: "-->", from: position + 4, what: "comment")
        } else if has("<![CDATA[") {
            guard !open.isEmpty else { throw error("CDATA outside the root element.") }
            let start = position + 9
            let close = try end(of: "]]>", from: start, what: "CDATA section") - 3
            XMLSyntax.appendNormalizingLineEnds(bytes[start..<close], to: &open[open.count - 1].text)
            position = close + 3
        } else if has("<!DOCTYPE") {
            // No DTDs at all: they are what entity expansion ("billion laughs") and external
            // entity attacks need, and no S3 client sends one.
            throw error("Document type declarations are not allowed.")
        } else if has("<!") {
            throw error("Markup declarations are not allowed.")
        } else if has("<?") {
            try parseProcessingInstruction()
        } else if has("</") {
            try parseEndTag()
        } else {
            try parseStartTag()
        }
    }

    private mutating func parseStartTag() throws(XMLParseError) {
        if open.isEmpty, root != nil { throw error("More than one root element.") }
        position += 1
        let qualifiedName = try parseName()
        let (attributes, selfClosing) = try parseAttributes(closing: Self.tagTerminators)
        elementCount += 1
        guard elementCount <= maxElements else { throw error("More than \(maxElements) elements.") }
        guard open.count < maxDepth else { throw error("Elements nested deeper than \(maxDepth).") }
        let element = XMLElement(name: XMLSyntax.string(XMLSyntax.localName(qualifiedName)), attributes: attributes)
        open.append(OpenElement(qualifiedName: qualifiedName, element: element))
        if selfClosing { close() }
    }

    private mutating func parseEndTag() throws(XMLParseError) {
        let start = position
        position += 2
        let name = try parseName()
        skipSpaces()
        guard position < bytes.count, bytes[position] == 0x3E else { throw error("Expected '>' to end the end tag.") }
        position += 1
        guard let current = open.last else { throw XMLParseError("An end tag without a start tag.", offset: start) }
        guard current.qualifiedName.elementsEqual(name) else {
            let expected = XMLSyntax.string(current.qualifiedName)
            throw XMLParseError("</\(XMLSyntax.string(name))> does not close <\(expected)>.", offset: start)
        }
        close()
    }

    /// Pops the innermost open element and attaches it to its parent, or makes it the root.
    private mutating func close() {
        guard var finished = open.popLast() else { return }
        finished.element.text = String(decoding: finished.text, as: UTF8.self)
        if open.isEmpty {
            root = finished.element
        } else {
            open[open.count - 1].element.children.append(finished.element)
        }
    }

    private mutating func parseProcessingInstruction() throws(XMLParseError) {
        let target = try parseName(at: position + 2)
        if XMLSyntax.string(target).lowercased() == "xml" {
            throw XMLParseError("The XML declaration must come first.", offset: position)
        }
        position = try end(of: "?>", from: target.endIndex, what: "processing instruction")
    }

    /// `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`: only the encoding matters, since
    /// we decode UTF-8 and nothing else.
    private mutating func parseDeclaration() throws(XMLParseError) {
        let start = position
        position += 5
        let (pseudoAttributes, _) = try parseAttributes(closing: Self.declarationTerminators)
        if let encoding = pseudoAttributes["encoding"]?.lowercased(),
           !["utf-8", "utf8", "us-ascii", "ascii"].contains(encoding) {
            throw XMLParseError("Unsupported encoding '\(encoding)': send UTF-8.", offset: start)
        }
    }

    // MARK: - Attributes, names, text

    private static let tagTerminators: (end: [UInt8], selfClosing: [UInt8]?) = (Array(">".utf8), Array("/>".utf8))
    private static let declarationTerminators: (end: [UInt8], selfClosing: [UInt8]?) = (Array("?>".utf8), nil)

    /// Attributes up to and including the tag's terminator; whether it was the self-closing one.
    private mutating func parseAttributes(closing terminators: (end: [UInt8], selfClosing: [UInt8]?))
        throws(XMLParseError) -> ([String: String], Bool) {
        var attributes: [String: String] = [:]
        while true {
            let spaced = skipSpaces()
            if has(terminators.end) {
                position += terminators.end.count
                return (attributes, false)
            }
            if let selfClosing = terminators.selfClosing, has(selfClosing) {
                position += selfClosing.count
                return (attributes, true)
            }
            guard position < bytes.count else { throw error("The document ended inside a tag.") }
            guard spaced else { throw error("Expected whitespace between attributes.") }
            let nameStart = position
            let name = XMLSyntax.string(try parseName())
            skipSpaces()
            guard position < bytes.count, bytes[position] == 0x3D else { throw error("Expected '=' after attribute \(name).") }
            position += 1
            skipSpaces()
            let value = try parseAttributeValue()
            guard attributes.updateValue(value, forKey: name) == nil else {
                throw XMLParseError("Attribute \(name) appears twice.", offset: nameStart)
            }
        }
    }

    /// A quoted value, entities decoded and whitespace characters turned into spaces (XML 1.0
    /// section 3.3.3, attribute-value normalization, for CDATA-typed attributes).
    private mutating func parseAttributeValue() throws(XMLParseError) -> String {
        guard position < bytes.count, bytes[position] == 0x22 || bytes[position] == 0x27 else {
            throw error("Expected a quoted attribute value.")
        }
        let quote = bytes[position]
        position += 1
        var value: [UInt8] = []
        while true {
            guard position < bytes.count else { throw error("The document ended inside an attribute value.") }
            let byte = bytes[position]
            switch byte {
            case quote:
                position += 1
                return String(decoding: value, as: UTF8.self)
            case 0x3C:
                throw error("'<' in an attribute value.")
            case 0x26:
                XMLSyntax.appendUTF8(try parseReference(), to: &value)
            case 0x0D:
                value.append(0x20)
                position += position + 1 < bytes.count && bytes[position + 1] == 0x0A ? 2 : 1
            case 0x09, 0x0A:
                value.append(0x20)
                position += 1
            default:
                value.append(byte)
                position += 1
            }
        }
    }

    private mutating func parseName() throws(XMLParseError) -> ArraySlice<UInt8> {
        let name = try parseName(at: position)
        position = name.endIndex
        return name
    }

    /// The name starting at `start`, without moving `position`.
    private func parseName(at start: Int) throws(XMLParseError) -> ArraySlice<UInt8> {
        guard start < bytes.count, XMLSyntax.isNameStart(bytes[start]) else {
            throw XMLParseError("Expected a name.", offset: start)
        }
        var end = start + 1
        while end < bytes.count, XMLSyntax.isNameCharacter(bytes[end]) { end += 1 }
        let name = bytes[start..<end]
        guard !XMLSyntax.localName(name).isEmpty else { throw XMLParseError("A name ends with ':'.", offset: start) }
        return name
    }

    /// Character data up to the next markup or reference, into the innermost open element.
    private mutating func parseText() {
        let start = position
        while position < bytes.count, bytes[position] != 0x3C, bytes[position] != 0x26 { position += 1 }
        XMLSyntax.appendNormalizingLineEnds(bytes[start..<position], to: &open[open.count - 1].text)
    }

    /// The character that `&name;` or `&#...;` at `position` stands for.
    private mutating func parseReference() throws(XMLParseError) -> Unicode.Scalar {
        let start = position
        // The longest valid reference is `&#x10FFFF;` with some leading zeros: looking a little
        // further for the ';' is plenty, and keeps a stray '&' from scanning the whole document.
        let limit = min(bytes.count, start + 32)
        guard let semicolon = bytes[(start + 1)..<limit].firstIndex(of: 0x3B) else {
            throw XMLParseError("An '&' that does not start a reference ending in ';'.", offset: start)
        }
        let body = bytes[(start + 1)..<semicolon]
        guard let scalar = XMLSyntax.decodeReference(body) else {
            throw XMLParseError("Unknown entity or invalid character reference &\(XMLSyntax.string(body));.", offset: start)
        }
        position = semicolon + 1
        return scalar
    }

    // MARK: - Scanning

    private func has(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        return UnsafeBufferPointer(start: literal.utf8Start, count: count).elementsEqual(bytes[position..<position + count])
    }

    private func has(_ literal: [UInt8]) -> Bool {
        guard position + literal.count <= bytes.count else { return false }
        return bytes[position..<position + literal.count].elementsEqual(literal)
    }

    @discardableResult
    private mutating func skipSpaces() -> Bool {
        let start = position
        while position < bytes.count, XMLSyntax.isSpace(bytes[position]) { position += 1 }
        return position > start
    }

    /// The offset just past the first `terminator` at or after `from`; the error points at the
    /// construct's start (`position`, not yet moved past it).
    private func end(of terminator: StaticString, from: Int, what: String) throws(XMLParseError) -> Int {
        let pattern = UnsafeBufferPointer(start: terminator.utf8Start, count: terminator.utf8CodeUnitCount)
        var index = from
        while index + pattern.count <= bytes.count {
            if bytes[index] == pattern[0], bytes[index..<index + pattern.count].elementsEqual(pattern) {
                return index + pattern.count
            }
            index += 1
        }
        throw XMLParseError("Unterminated \(what).", offset: position)
    }

    private func error(_ message: String) -> XMLParseError {
        XMLParseError(message, offset: position)
    }
}
