extension Schema {
    /// Training jobs: versions 100-199.
    static let trainingJobs: [Migration] = []
}
