import Delivery
import MailCore
import MailStore
import MailStoreTesting
import XCTest

/// `Router`: aliases (recursively, like Postfix's `virtual_alias_maps`), sub-addressing, loops.
final class RouterTests: XCTestCase {
    func router(_ store: InMemoryMailStore) -> Router {
        Router(domains: ["example.test"], recipientDelimiter: "+", accounts: store, aliases: store)
    }

    func resolve(_ store: InMemoryMailStore, _ address: String) async throws -> (accounts: [String], remote: [String]) {
        let r = try await router(store).resolve(EmailAddress(parsing: address)!)
        return (r.accounts.map(\.address), r.remote)
    }

    func testAliasOfAnAliasIsFollowed() async throws {
        let store = InMemoryMailStore()
        _ = try await store.createAccount(address: "bob@example.test", passwordHash: "x")
        _ = try await store.createAccount(address: "alice@example.test", passwordHash: "x")
        try await store.addAlias(source: "a@example.test", target: "bob@example.test")
        try await store.addAlias(source: "b@example.test", target: "a@example.test")
        try await store.addAlias(source: "b@example.test", target: "alice@example.test")
        try await store.addAlias(source: "c@example.test", target: "b@example.test")
        let c = try await resolve(store, "c@example.test")
        XCTAssertEqual(Set(c.accounts), ["bob@example.test", "alice@example.test"])
    }

    func testSelfAliasKeepsTheAccountAndForwards() async throws {
        let store = InMemoryMailStore()
        _ = try await store.createAccount(address: "bob@example.test", passwordHash: "x")
        try await store.addAlias(source: "bob@example.test", target: "bob@example.test")
        try await store.addAlias(source: "bob@example.test", target: "bob@elsewhere.test")
        let bob = try await resolve(store, "bob+tag@example.test")
        XCTAssertEqual(bob.accounts, ["bob@example.test"])
        XCTAssertEqual(bob.remote, ["bob@elsewhere.test"])
    }

    func testAliasLoopEndsWithoutAccounts() async throws {
        let store = InMemoryMailStore()
        try await store.addAlias(source: "a@example.test", target: "b@example.test")
        try await store.addAlias(source: "b@example.test", target: "a@example.test")
        let a = try await resolve(store, "a@example.test")
        XCTAssertEqual(a.accounts, [])
        XCTAssertEqual(a.remote, [])
    }

    func testRoutingLocalPartsNeverNameAnAccount() async throws {
        let store = InMemoryMailStore()
        _ = try await store.createAccount(address: "bob@example.test", passwordHash: "x")
        for address in ["bob%remote.test@example.test", "remote.test!bob@example.test"] {
            let r = try await resolve(store, address)
            XCTAssertEqual(r.accounts, [], address)
        }
    }
}
