import AnnealStore

extension FileObjectStore {
    /// Lists keys under `prefix` in UTF-8 byte order (SQLite compares TEXT bytewise), rolling keys
    /// that contain `delimiter` after the prefix up into common prefixes, each counted once.
    public func list(bucket: String, prefix: String, delimiter: String, after cursor: ListCursor?,
                     limit: Int) throws(ObjectStoreError) -> ListPage {
        guard try self.bucket(bucket) != nil else { throw ObjectStoreError(.noSuchBucket, "The specified bucket does not exist") }
        var entries: [ListPage.Entry] = []
        var position: String
        var inclusive = false
        switch cursor {
        case .afterKey(let key): position = key
        case .afterPrefix(let common): position = Self.pastPrefix(common)
        case nil:
            position = prefix
            inclusive = true
        }
        if position < prefix {
            position = prefix
            inclusive = true
        }
        var lastPrefix: String?
        let batch = max(limit + 1, 100)
        scan: while true {
            let operatorText = inclusive ? ">=" : ">"
            let rows = try run { conn throws(StoreError) in
                try conn.query("SELECT * FROM objects WHERE bucket = ? AND key \(operatorText) ? ORDER BY key LIMIT ?",
                               [.text(bucket), .text(position), .integer(Int64(batch))])
            }
            inclusive = false
            if rows.isEmpty { break }
            var skipTo: String?
            for row in rows {
                let key = row["key"].string ?? ""
                position = key
                guard key.utf8.starts(with: prefix.utf8) else { break scan }
                if !delimiter.isEmpty, let common = Self.commonPrefix(of: key, prefix: prefix, delimiter: delimiter) {
                    if common == lastPrefix { continue }
                    if entries.count == limit { return ListPage(entries: entries, isTruncated: true, next: Self.cursor(of: entries.last)) }
                    entries.append(.commonPrefix(common))
                    lastPrefix = common
                    skipTo = Self.pastPrefix(common)
                    break
                }
                if entries.count == limit { return ListPage(entries: entries, isTruncated: true, next: Self.cursor(of: entries.last)) }
                entries.append(.object(Self.objectInfo(row)))
            }
            if let skipTo {
                position = skipTo
                continue
            }
            if rows.count < batch { break }
        }
        return ListPage(entries: entries, isTruncated: false, next: nil)
    }

    static func cursor(of entry: ListPage.Entry?) -> ListCursor? {
        switch entry {
        case .object(let info): .afterKey(info.key)
        case .commonPrefix(let common): .afterPrefix(common)
        case nil: nil
        }
    }

    /// The prefix up to and including the first delimiter after `prefix`, if the key has one.
    static func commonPrefix(of key: String, prefix: String, delimiter: String) -> String? {
        let keyBytes = Array(key.utf8)
        let delimiterBytes = Array(delimiter.utf8)
        let start = prefix.utf8.count
        guard keyBytes.count >= start + delimiterBytes.count else { return nil }
        var index = start
        while index + delimiterBytes.count <= keyBytes.count {
            if keyBytes[index..<index + delimiterBytes.count].elementsEqual(delimiterBytes) {
                return String(decoding: keyBytes[0..<index + delimiterBytes.count], as: UTF8.self)
            }
            index += 1
        }
        return nil
    }

    /// A string after every key that starts with `prefix` (U+10FFFF is the largest code point; keys
    /// that continue with it are caught by the duplicate check of the scan).
    static func pastPrefix(_ prefix: String) -> String { prefix + "\u{10FFFF}" }
}
