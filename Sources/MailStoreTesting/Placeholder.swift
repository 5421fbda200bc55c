import MailStore
/// In-memory store and the conformance suite (placeholder until filled).
public enum MailStoreTestingPlaceholder {}
