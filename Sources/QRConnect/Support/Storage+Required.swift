import Vapor

extension Storage {
    /// A service `configure(_:with:)` put in the application's storage. Missing, it is a
    /// programming error (the app was not configured), not a runtime condition.
    func required<Key: StorageKey>(_ key: Key.Type) -> Key.Value {
        guard let value = self[key] else { fatalError("\(Key.self) is missing: configure(_:with:) has not run") }
        return value
    }
}
