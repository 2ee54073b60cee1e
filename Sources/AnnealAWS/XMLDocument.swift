/// One element of a parsed XML request body.
///
/// A plain tree of values rather than a SAX callback API: S3 request documents are small (a
/// multipart completion lists at most 10,000 parts) and handlers read them by walking names.
public struct XMLElement: Sendable, Equatable {
    /// The local name: a namespace prefix, if any, is stripped, because clients differ in whether
    /// they qualify S3's elements and S3 answers the same either way.
    public var name: String
    /// Attributes by their name as written (prefix kept), values with entities decoded. Namespace
    /// declarations (`xmlns`, `xmlns:p`) are attributes like any other.
    public var attributes: [String: String]
    public var children: [XMLElement]
    /// The element's own character data, CDATA sections included and entities decoded, concatenated
    /// in document order (whitespace between child elements too; callers trim where S3 does).
    public var text: String

    public init(name: String, attributes: [String: String] = [:], children: [XMLElement] = [], text: String = "") {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// The first child element with this local name.
    public func child(_ name: String) -> XMLElement? {
        children.first { $0.name == name }
    }

    /// Every child element with this local name, in document order.
    public func children(named name: String) -> [XMLElement] {
        children.filter { $0.name == name }
    }
}

/// Why a request body is not an XML document we accept. S3 answers such bodies with `MalformedXML`.
public struct XMLParseError: Error, CustomStringConvertible {
    public var message: String
    /// Byte offset into the document where the problem was found.
    public var offset: Int

    public init(_ message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(message) (at byte \(offset))" }
}

/// A small, safe XML parser for S3 request bodies (`CreateBucketConfiguration`,
/// `CompleteMultipartUpload`, `Delete`, tagging, ...).
///
/// Safe means bounded by the input: no DTDs at all (so no entity expansion and no external
/// entities), depth and element count limited, and an explicit stack instead of recursion, so a
/// hostile document can cost neither memory beyond a small multiple of its size nor the thread's stack.
public enum XMLDocument {
    /// Parses a whole document (UTF-8, optionally with a BOM) and returns its root element.
    ///
    /// Accepts the XML declaration, comments, processing instructions, CDATA, the five predefined
    /// entities and character references. Rejects a DOCTYPE, other encodings, invalid UTF-8,
    /// mismatched tags, unknown entities, text or a second element outside the root, and documents
    /// nested deeper than `maxDepth` (the root is depth 1) or with more than `maxElements` elements.
    ///
    /// Parsing never recurses, but copying, comparing and freeing the returned tree do, one level per
    /// element: keep `maxDepth` modest (S3's documents are four levels deep).
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 32,
                             maxElements: Int = 100_000) throws(XMLParseError) -> XMLElement {
        var parser = XMLDocumentParser(bytes: bytes, maxDepth: maxDepth, maxElements: maxElements)
        return try parser.parse()
    }
}
