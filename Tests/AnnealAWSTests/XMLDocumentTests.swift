import AnnealAWS
import Testing

private func parse(_ text: String, maxDepth: Int = 32, maxElements: Int = 100_000) throws(XMLParseError) -> XMLElement {
    try XMLDocument.parse(Array(text.utf8), maxDepth: maxDepth, maxElements: maxElements)
}

/// The error for `bytes`, or nil (and a recorded issue) when it parses.
private func parseError(_ bytes: [UInt8], maxDepth: Int = 32, maxElements: Int = 100_000) -> XMLParseError? {
    do {
        let root = try XMLDocument.parse(bytes, maxDepth: maxDepth, maxElements: maxElements)
        Issue.record("parsed, root <\(root.name)>")
        return nil
    } catch {
        return error
    }
}

@Suite("XML request bodies: what S3 clients send")
struct XMLDocumentTests {
    /// As botocore serializes CreateBucket for a region other than us-east-1.
    @Test func createBucketConfiguration() throws {
        let root = try parse("""
            <?xml version="1.0" encoding="UTF-8"?>
            <CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\
            <LocationConstraint>us-west-2</LocationConstraint></CreateBucketConfiguration>
            """)
        #expect(root.name == "CreateBucketConfiguration")
        #expect(root.attributes == ["xmlns": "http://s3.amazonaws.com/doc/2006-03-01/"])
        #expect(root.child("LocationConstraint")?.text == "us-west-2")
        #expect(root.child("Missing") == nil)
    }

    @Test func completeMultipartUpload() throws {
        let root = try parse("""
            <?xml version="1.0" encoding="UTF-8"?>
            <CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Part><PartNumber>1</PartNumber><ETag>&quot;abc&quot;</ETag><ChecksumCRC32>DUoRhQ==</ChecksumCRC32></Part>
              <Part>
                <PartNumber>2</PartNumber>
                <ETag>"def"</ETag>
              </Part>
            </CompleteMultipartUpload>
            """)
        let parts = root.children(named: "Part")
        #expect(parts.count == 2)
        #expect(parts.map { $0.child("PartNumber")?.text } == ["1", "2"])
        #expect(parts.map { $0.child("ETag")?.text } == ["\"abc\"", "\"def\""])
        #expect(parts[0].child("ChecksumCRC32")?.text == "DUoRhQ==")
        #expect(parts[1].child("ChecksumCRC32") == nil)
    }

    @Test func deleteObjects() throws {
        let root = try parse("""
            <Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>\
            <Object><Key>a&amp;b</Key><VersionId>v1</VersionId></Object>\
            <Object><Key>&lt;dir&gt;/&#233;&#x1F600;&apos;</Key></Object></Delete>
            """)
        #expect(root.child("Quiet")?.text == "true")
        let keys = root.children(named: "Object").compactMap { $0.child("Key")?.text }
        #expect(keys == ["a&b", "<dir>/é😀'"])
        #expect(root.children(named: "Object")[0].child("VersionId")?.text == "v1")
    }

    /// Prefixes are stripped from element names; attributes keep theirs.
    @Test func namespacePrefixes() throws {
        let root = try parse("""
            <s3:Tagging xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/" xmlns:xsi='urn:x'>\
            <s3:TagSet><s3:Tag xsi:type="t"><s3:Key>k</s3:Key></s3:Tag></s3:TagSet></s3:Tagging>
            """)
        #expect(root.name == "Tagging")
        #expect(root.attributes["xmlns:s3"] == "http://s3.amazonaws.com/doc/2006-03-01/")
        let tag = root.child("TagSet")?.child("Tag")
        #expect(tag?.attributes == ["xsi:type": "t"])
        #expect(tag?.child("Key")?.text == "k")
    }

    @Test func treeShape() throws {
        let root = try parse("<a x='1' y = \"2\"><b/><c>t</c><b >u</b ></a>")
        #expect(root == XMLElement(name: "a", attributes: ["x": "1", "y": "2"], children: [
            XMLElement(name: "b"),
            XMLElement(name: "c", text: "t"),
            XMLElement(name: "b", text: "u"),
        ]))
        #expect(root.children(named: "b").map(\.text) == ["", "u"])
    }

    @Test func commentsProcessingInstructionsAndCDATA() throws {
        let root = try parse("""
            \u{FEFF}<?xml version='1.0'?><!-- before --><?app data?>
            <Key>a<!-- inside -->b<![CDATA[<c>&amp;]]>d<?pi x?>e</Key>
            <!-- after --><?app after?>
            """)
        #expect(root.text == "ab<c>&amp;de")
    }

    @Test func byteOrderMark() throws {
        let root = try XMLDocument.parse([0xEF, 0xBB, 0xBF] + Array("<a>x</a>".utf8))
        #expect(root.text == "x")
    }

    @Test func whitespaceAndLineEnds() throws {
        let root = try parse("  \r\n<a>\r\n x\ry <b/>\t</a>\n\n")
        #expect(root.text == "\n x\ny \t")
        let attribute = try parse("<a v=\"1\r\n2\t3\"/>")
        #expect(attribute.attributes["v"] == "1 2 3")
    }

    @Test func characterReferences() throws {
        #expect(try parse("<a>&#65;&#x42;&#x0043;&#0068;&#x10FFFF;&#9;</a>").text == "ABCD\u{10FFFF}\t")
        #expect(try parse("<a v='&lt;&#34;'/>").attributes["v"] == "<\"")
    }

    @Test func utf8Text() throws {
        #expect(try parse("<Key>日本語/ü €</Key>").text == "日本語/ü €")
    }
}

@Suite("XML request bodies: what is refused")
struct XMLDocumentRejectionTests {
    @Test(arguments: [
        ("DOCTYPE", "<?xml version=\"1.0\"?><!DOCTYPE a><a/>", "Document type"),
        ("DOCTYPE with internal subset", "<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>", "Document type"),
        ("external entity", "<!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><a>&e;</a>", "Document type"),
        ("DOCTYPE inside the root", "<a><!DOCTYPE a></a>", "Document type"),
        ("other declaration", "<a><!ELEMENT a ANY></a>", "Markup declarations"),
        ("mismatched tags", "<a><b></a></b>", "</a> does not close <b>"),
        ("mismatched prefix", "<p:a></q:a>", "</q:a> does not close <p:a>"),
        ("unclosed root", "<a><b></b>", "ended inside <a>"),
        ("end tag first", "</a>", "without a start tag"),
        ("unknown entity", "<a>&nbsp;</a>", "&nbsp;"),
        ("entity without semicolon", "<a>AT&T</a>", "ending in ';'"),
        ("bare ampersand at end", "<a>&", "ending in ';'"),
        ("character reference to NUL", "<a>&#0;</a>", "&#0;"),
        ("character reference to a surrogate", "<a>&#xD800;</a>", "&#xD800;"),
        ("character reference past Unicode", "<a>&#x110000;</a>", "&#x110000;"),
        ("character reference overflow", "<a>&#99999999999999999999;</a>", "character reference"),
        ("character reference to U+FFFE", "<a>&#xFFFE;</a>", "&#xFFFE;"),
        ("empty character reference", "<a>&#;</a>", "&#;"),
        ("hex digits in a decimal reference", "<a>&#1F;</a>", "&#1F;"),
        ("text before the root", "x<a/>", "outside the root"),
        ("text after the root", "<a/>x", "outside the root"),
        ("reference outside the root", "<a/>&amp;", "outside the root"),
        ("CDATA outside the root", "<![CDATA[x]]><a/>", "CDATA outside"),
        ("two roots", "<a/><b/>", "More than one root"),
        ("no root", "<?xml version=\"1.0\"?><!-- nothing -->", "no root element"),
        ("empty document", "", "no root element"),
        ("declaration not first", " <?xml version=\"1.0\"?><a/>", "must come first"),
        ("declaration inside", "<a><?xml version=\"1.0\"?></a>", "must come first"),
        ("other encoding", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>", "Unsupported encoding"),
        ("unterminated comment", "<a><!-- x</a>", "Unterminated comment"),
        ("unterminated CDATA", "<a><![CDATA[x</a>", "Unterminated CDATA"),
        ("unterminated processing instruction", "<a><?pi x</a>", "Unterminated processing"),
        ("duplicate attribute", "<a x='1' x='2'/>", "appears twice"),
        ("unquoted attribute", "<a x=1/>", "quoted attribute value"),
        ("attribute without value", "<a x/>", "Expected '='"),
        ("attributes without space", "<a x='1'y='2'/>", "Expected whitespace"),
        ("< in attribute", "<a x='<'/>", "'<' in an attribute"),
        ("unterminated attribute", "<a x='1/>", "inside an attribute value"),
        ("name ending in colon", "<a:/>", "ends with ':'"),
        ("name starting with digit", "<1a/>", "Expected a name"),
        ("space before name", "< a/>", "Expected a name"),
        ("control character", "<a>\u{01}</a>", "U+0001"),
        ("ended inside a tag", "<a x='1'", "inside a tag"),
    ])
    func rejected(name: String, document: String, reason: String) {
        let error = parseError(Array(document.utf8))
        #expect(error?.message.contains(reason) == true, "\(name): \(String(describing: error))")
    }

    @Test func doctypeMessageAndOffset() throws {
        let error = try #require(parseError(Array("<?xml version=\"1.0\"?>\n<!DOCTYPE a><a/>".utf8)))
        #expect(error.message.contains("Document type"))
        #expect(error.offset == 22)
        #expect(error.description.contains("at byte 22"))
    }

    /// "Billion laughs": refused at the DOCTYPE, before any entity could be defined or expanded.
    @Test func billionLaughs() throws {
        var document = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
        for level in 1...9 {
            let previous = level == 1 ? "lol" : "lol\(level - 1)"
            document += " <!ENTITY lol\(level) \"" + String(repeating: "&\(previous);", count: 10) + "\">\n"
        }
        document += "]>\n<lolz>&lol9;</lolz>"
        let error = try #require(parseError(Array(document.utf8)))
        #expect(error.message.contains("Document type"))
    }

    /// Deep nesting is refused by depth, iteratively: no stack overflow at 10,000 levels.
    @Test func deepNesting() throws {
        let depth = 10_000
        let document = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        let error = try #require(parseError(Array(document.utf8)))
        #expect(error.message.contains("deeper than 32"))
        #expect(error.offset == 32 * 3 + 3)
        // With the limit lifted, a deep document parses (the parser keeps its stack on the heap);
        // 1,000 levels keep the recursive teardown of the returned tree well within a thread's stack.
        let lifted = String(repeating: "<a>", count: 1000) + "x" + String(repeating: "</a>", count: 1000)
        var element = try XMLDocument.parse(Array(lifted.utf8), maxDepth: 1000)
        var levels = 1
        while let child = element.children.first {
            element = child
            levels += 1
        }
        #expect(levels == 1000)
        #expect(element.text == "x")
    }

    @Test func depthLimitIsInclusive() throws {
        #expect(throws: Never.self) { try parse("<a><b><c/></b></a>", maxDepth: 3) }
        #expect(parseError(Array("<a><b><c/></b></a>".utf8), maxDepth: 2) != nil)
    }

    @Test func elementCountLimit() throws {
        let document = "<a>" + String(repeating: "<b/>", count: 99) + "</a>"
        #expect(try parse(document, maxElements: 100).children.count == 99)
        let error = try #require(parseError(Array(document.utf8), maxElements: 99))
        #expect(error.message.contains("More than 99 elements"))
    }

    @Test(arguments: [
        ("lone continuation byte", [0x80]),
        ("truncated two-byte sequence", [0xC3]),
        ("overlong slash", [0xC0, 0xAF]),
        ("overlong three-byte", [0xE0, 0x80, 0xAF]),
        ("surrogate", [0xED, 0xA0, 0x80]),
        ("past U+10FFFF", [0xF4, 0x90, 0x80, 0x80]),
        ("invalid lead", [0xFF]),
        ("U+FFFF", [0xEF, 0xBF, 0xBF]),
    ] as [(String, [UInt8])])
    func invalidUTF8(name: String, bytes: [UInt8]) throws {
        let document = Array("<a>".utf8) + bytes + Array("</a>".utf8)
        let error = try #require(parseError(document), "\(name)")
        #expect(error.offset == 3)
    }
}
