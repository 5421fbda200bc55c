import MailStore

extension IMAPSession {
    /// The client text for a failure the client cannot act on (storage or internal): a generic
    /// sentence with a log id, while the log gets the detail under the same id — no SQL, path or
    /// backend text ever reaches the wire (ARCHITECTURE.md "Errors and limits").
    func internalErrorText(_ error: any Error) -> String {
        let id = ErrorLogID()
        logger("internal error \(id): \(error)")
        return "Internal error (log id \(id))"
    }

    /// The tagged `NO` for a storage error: the kinds that describe the request keep their text;
    /// `transient` becomes `[UNAVAILABLE]` and the rest `[SERVERBUG]`, both with a log id only.
    func storageErrorLine(_ tag: String, _ error: MailStoreError) -> String {
        switch error.kind {
        case .notFound: "\(tag) NO [NONEXISTENT] \(error.message.responseLineSafe)"
        case .alreadyExists: "\(tag) NO [ALREADYEXISTS] \(error.message.responseLineSafe)"
        case .notAllowed: "\(tag) NO [CANNOT] \(error.message.responseLineSafe)"
        case .transient: "\(tag) NO [UNAVAILABLE] \(internalErrorText(error))"
        case .io, .leaseLost: "\(tag) NO [SERVERBUG] \(internalErrorText(error))"
        }
    }
}
