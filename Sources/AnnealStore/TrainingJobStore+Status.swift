import AnnealCore

extension TrainingJobStore {
    /// A job's status alone (nil when there is no such job): a point read cheap enough for every
    /// request made with the job's session credentials.
    public func status(named name: String) throws(StoreError) -> TrainingJobStatus? {
        try database.read { conn throws(StoreError) in
            try conn.query("SELECT status FROM training_jobs WHERE name = ?", [.text(name)]).first?["status"].string
                .flatMap(TrainingJobStatus.init(rawValue:))
        }
    }
}
