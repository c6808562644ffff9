import Crypto
import Foundation

/// The short secret an operator may print beside a sticker's QR (`mint-qr --claim-code`).
///
/// Whoever scans a free code first becomes its owner; on a sticker already stuck on a car but
/// not yet activated, that could be a passer-by. With a claim code, activating takes the code
/// printed on the sticker too. Six characters from an alphabet without look-alikes (no 0 O 1 I L)
/// are about 30 bits: guessing is hopeless within the per-code limit on wrong tries
/// (`RATE_LIMIT_CODE_CLAIM_ATTEMPTS`), and short enough to type on a phone.
struct ClaimCode: Sendable, Equatable {
    static let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    static let length = 6

    /// The six characters, upper case, without the dash.
    let characters: String

    /// A fresh code from the system's secure random source.
    static func random() -> ClaimCode {
        var generator = SystemRandomNumberGenerator()
        return ClaimCode(characters: String((0..<length).map { _ in alphabet.randomElement(using: &generator)! }))
    }

    private init(characters: String) {
        self.characters = characters
    }

    /// The code as someone typed it: case, spaces and dashes do not matter. Nil if what is left
    /// cannot be a claim code.
    init?(typed: String) {
        let kept = typed.uppercased().filter { !$0.isWhitespace && $0 != "-" }
        guard kept.count == Self.length, kept.allSatisfy(Self.alphabet.contains) else { return nil }
        self.characters = kept
    }

    /// As printed: `K7M-3QF`.
    var printed: String { characters.prefix(3) + "-" + characters.suffix(3) }

    /// What the database keeps: a hash bound to the code's token, so the table does not list the
    /// codes in clear and one code's hash says nothing about another's.
    func hash(for token: UUID) -> String {
        SHA256.hash(data: Data("qrconnect-claim-code:\(token.uuidString.lowercased()):\(characters)".utf8)).lowercaseHex
    }
}
