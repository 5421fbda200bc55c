import IMAPProtocol
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

    /// `tag NO [SERVERBUG] Internal error (log id …)` for an unexpected error (a transient storage
    /// error gets `[UNAVAILABLE]`: the client may try again).
    func internalErrorResponse(_ tag: String, _ error: any Error) -> IMAPResponse {
        if let error = error as? MailStoreError { return storageErrorResponse(tag, error) }
        return .no(tag, .serverBug, internalErrorText(error))
    }

    /// The tagged `NO` for a storage error: the kinds that describe the request keep their text
    /// (`[NONEXISTENT]`, `[ALREADYEXISTS]`, `[CANNOT]`); `transient` becomes `[UNAVAILABLE]` and the
    /// rest `[SERVERBUG]`, both with a log id only.
    func storageErrorResponse(_ tag: String, _ error: MailStoreError) -> IMAPResponse {
        switch error.kind {
        case .notFound: .no(tag, .nonExistent, error.message)
        case .alreadyExists: .no(tag, .alreadyExists, error.message)
        case .notAllowed: .no(tag, .cannot, error.message)
        case .transient: .no(tag, .unavailable, internalErrorText(error))
        case .io, .leaseLost: .no(tag, .serverBug, internalErrorText(error))
        }
    }
}
