import Foundation
import Testing
import Vapor
@testable import QRConnect

/// The hand-written JSON of the hot answers says exactly what their `Encodable` shape says.
@Suite struct JSONWriterTests {
    static let awkward = [
        "plain", "", "quote \" and backslash \\", "line\nbreak\r\ttab", "bell\u{7} nul\u{0} esc\u{1B} del\u{7F}",
        "é 🚗 中文 \u{2028}\u{2029}", "</script>", "slash / and unicode \u{FFFF}",
        // longer than a word, with what needs escaping before, across and after word boundaries
        "J'ai trouvé vos clés près de la gare, appelez-moi \"vite\" s'il vous plaît.\n\tMerci !",
        "0123456\"89abcdef\\ghijklmn\u{1}pqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    ]

    @Test(arguments: awkward)
    func messagesWriteAsTheyEncode(_ text: String) throws {
        // setup
        let dto = MessageDTO(
            StoredMessage(id: 7, senderID: nil, receiverID: 3, guestSessionID: 2, pairLowID: nil, pairHighID: nil,
                          senderName: text, pseudo: text, content: text, createdAt: Date(timeIntervalSince1970: 1_764_000_000.123)),
            read: true)

        // act
        var json = JSONWriter()
        json.array([dto, dto]) { json, dto in dto.write(to: &json) }

        // check
        let written = try JSONSerialization.jsonObject(with: Data(buffer: json.buffer)) as? NSArray
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode([dto, dto])) as? NSArray
        #expect(written != nil && written == encoded)
    }

    /// Bytes from the database are written as they are when they are UTF-8, and repaired as Swift
    /// repairs them when not: overlong forms, surrogates, code points past U+10FFFF, stray
    /// continuation bytes and sequences cut short, at every offset of a word, among bytes that
    /// need escaping. Each answer must parse back to `String(decoding:as:)` of the bytes.
    @Test func bytesWriteAsSwiftDecodesThem() throws {
        // setup: random byte strings over an alphabet of edge cases, from a fixed seed
        let alphabet: [[UInt8]] = [
            [0x61], [0x22], [0x5C], [0x01], [0x1F], [0x7F], [0x20], Array("é".utf8), Array("🚗".utf8), Array("中".utf8),
            [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xC2], [0xC3, 0x28], [0xE0, 0x80, 0x80], [0xE0, 0xA0],
            [0xED, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEF, 0xBF, 0xBF], [0xF0, 0x80, 0x80, 0x80], [0xF0, 0x90, 0x80],
            [0xF4, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xFE],
        ]
        var random = SeededRandom(seed: 20261130)
        var cases: [[UInt8]] = alphabet
        for _ in 0..<3000 {
            cases.append((0..<Int.random(in: 0...24, using: &random)).flatMap { _ in alphabet.randomElement(using: &random)! })
        }

        for bytes in cases {
            // act
            var json = JSONWriter()
            json.raw("[")
            bytes.withUnsafeBufferPointer { json.string(utf8: $0) }
            json.raw("]")

            // check
            let parsed = try JSONSerialization.jsonObject(with: Data(buffer: json.buffer)) as? [String]
            #expect(parsed == [String(decoding: bytes, as: UTF8.self)], "\(bytes)")
        }
    }

    @Test(arguments: [0, 7, -1, 9, 10, 99, 100, -45_678, 1_000_000_007, Int.max, Int.min])
    func numbersWriteAsSwiftPrintsThem(_ value: Int) {
        var json = JSONWriter(capacity: 1)
        json.raw("[")
        json.int(value)
        json.raw(",")
        json.int(value)
        json.raw("]")
        #expect(String(buffer: json.buffer) == "[\(value),\(value)]")
    }

    @Test func aMessageReadsBackFromItsWireForm() throws {
        // setup
        let dto = MessageDTO(
            StoredMessage(id: 9, senderID: 4, receiverID: nil, guestSessionID: 2, pairLowID: nil, pairHighID: nil,
                          senderName: "Ana", pseudo: "Invité-1", content: "Bonjour", createdAt: Date(timeIntervalSince1970: 1_764_000_000.123)),
            read: false)

        // act
        var json = JSONWriter()
        dto.write(to: &json)
        let decoded = try JSONDecoder().decode(MessageDTO.self, from: Data(buffer: json.buffer))

        // check
        #expect(decoded.id == 9 && decoded.sender == 4 && decoded.receiver == nil && decoded.pseudo == "Invité-1")
        #expect(abs(decoded.created.timeIntervalSince1970 - 1_764_000_000.123) < 0.001)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(MessageDTO.self, from: Data(String(buffer: json.buffer).replacingOccurrences(of: ".123Z", with: "").utf8))
        }
    }

    @Test func listsWriteAsTheyEncode() throws {
        // setup
        let message = MessageDTO(
            StoredMessage(id: 1, senderID: 4, receiverID: 5, guestSessionID: nil, pairLowID: 4, pairHighID: 5,
                          senderName: "Bob \"B\"", pseudo: nil, content: "Hi\n", createdAt: Date()),
            read: false)
        let direct = DirectConversationList(conversations: [
            .init(user: UserDTO(id: 5, username: "bob", displayName: "Bob \"B\""), lastMessage: message, unread: 0),
        ])
        let sent = [SentResponse(message: message, guestToken: "tok"), SentResponse(message: message, guestToken: nil)]

        // act + check
        // (The guest inbox is written from its rows: `ReadingTests` holds each entry to the page's message.)
        for (value, encodable) in [(direct as any JSONWritable, direct as any Encodable), (sent[0], sent[0]), (sent[1], sent[1])] {
            var json = JSONWriter()
            value.write(to: &json)
            let written = try JSONSerialization.jsonObject(with: Data(buffer: json.buffer)) as? NSDictionary
            let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(encodable)) as? NSDictionary
            #expect(written != nil && written == encoded, "\(String(buffer: json.buffer))")
        }
    }

    /// Every form of a scan's answer: the keys each one has and has not, `lost_message` present
    /// when `null`, awkward text in the owner's name and message.
    @Test(arguments: awkward)
    func scanAnswersWriteAsTheyEncode(_ text: String) throws {
        // setup
        let owner = SignedInUser(id: 12, username: "olive", displayName: text, passwordHash: "")
        func code(paused: Bool, lostMessage: String?) -> ScannedCode {
            ScannedCode(
                id: 3, token: UUID(), ownerID: 12, ownerName: text, isRetired: false, claimCodeHash: nil,
                publicState: PublicTagState(paused: paused, lostMessage: lostMessage))
        }
        let outcomes = [
            ScanOutcome.inactive(claimCodeRequired: false), .inactive(claimCodeRequired: true), .claimCodeRequired,
            .activated(for: owner), try .linked(code(paused: false, lostMessage: nil)),
            try .linked(code(paused: true, lostMessage: text)),
        ]

        for outcome in outcomes {
            // act
            var json = JSONWriter()
            outcome.write(to: &json)

            // check
            let written = try JSONSerialization.jsonObject(with: Data(buffer: json.buffer)) as? NSDictionary
            let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(outcome)) as? NSDictionary
            #expect(written != nil && written == encoded, "\(String(buffer: json.buffer))")
        }
    }

    /// A page's rows are written newest first and answered oldest first (`PageWriter`): an array
    /// of values already written, in any order, none lost or cut.
    @Test func anArrayOfWrittenValuesInAnotherOrder() throws {
        // setup: three values written one after the other
        var json = JSONWriter(capacity: 1)
        var ends: [Int] = []
        for text in ["un", "deux \"trois\"", "🚗"] {
            json.string(text)
            ends.append(json.length)
        }

        // act
        let reversed = json.array(ofSegments: [ends[1]..<ends[2], ends[0]..<ends[1], 0..<ends[0]])
        let one = json.array(ofSegments: [ends[0]..<ends[1]])
        let none = json.array(ofSegments: [])

        // check
        #expect(String(buffer: reversed) == #"["🚗","deux \"trois\"","un"]"#)
        #expect(String(buffer: one) == #"["deux \"trois\""]"#)
        #expect(String(buffer: none) == "[]")
    }
}

/// A repeatable source of random numbers (SplitMix64), so a failing case fails every run.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
