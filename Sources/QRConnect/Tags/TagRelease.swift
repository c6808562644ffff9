import Fluent
import Foundation
import SQLKit

/// An owner giving tags up: one tag released from the tag list, or all of them when the account
/// is deleted. Everything the owner set (label, pause, lost message) goes; the conversations stay
/// with the owner (they hang on the owner, not on the tag). The codes become free for the next
/// person to claim, or retired for good, as the operator chose.
enum TagRelease {
    /// Releases the owner's tags (only `codeID` if given) and returns how many were released.
    /// Conditioned on `owner_id` in the update itself: two releases at once release a tag once.
    static func release(ownedBy ownerID: Int, only codeID: Int? = nil, retire: Bool, on db: any Database) async throws -> Int {
        var update = (db as! any SQLDatabase).update(QRCode.schema)
            .set("owner_id", to: SQLLiteral.null)
            .set("activated_at", to: SQLLiteral.null)
            .set("label", to: SQLLiteral.null)
            .set("paused_at", to: SQLLiteral.null)
            .set("lost_message", to: SQLLiteral.null)
            .set("retired_at", to: retire ? SQLBind(Date()) : SQLLiteral.null)
            .where("owner_id", .equal, ownerID)
        if let codeID {
            update = update.where("id", SQLBinaryOperator.equal, codeID)
        }
        return try await update.returning("id").all().count
    }
}
