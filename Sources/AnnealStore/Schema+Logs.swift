extension Schema {
    /// Log groups, streams and events; metrics: versions 200-299.
    static let logs: [Migration] = []
}
