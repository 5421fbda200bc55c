/// Alias pairs (`tern alias`, Postfix `virtual_alias_maps`): a source address maps to one or more
/// target addresses, local or remote. Addresses are stored lowercased.
public protocol AliasStore: Sendable {
    /// Adds `source → target`. Throws `.alreadyExists` for a duplicate pair.
    func addAlias(source: String, target: String) async throws
    /// Removes every target of `source`, or only `target` when given. Throws `.notFound`.
    func deleteAlias(source: String, target: String?) async throws
    /// Every alias pair, ordered by source then target.
    func aliases() async throws -> [AliasRecord]
    /// Targets of one alias source (case-insensitive), empty when none.
    func aliasTargets(source: String) async throws -> [String]
}
