import Foundation
import Testing
import Vapor
@testable import QRConnect

/// The hand-written JSON of the hot answers says exactly what their `Encodable` shape says.
@Suite struct JSONWriterTests {
    static let awkward = [
        "plain", "", "quote \" and backslash \\", "line\nbreak\r\ttab", "bell\u{7} nul\u{0} esc\u{1B} del\u{7F}",
        "é 🚗 中文 \u{2028}\u{2029}", "</script>", "slash / and unicode \u{FFFF}",
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
}
