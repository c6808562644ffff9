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
        [dto, dto].write(to: &json)

        // check
        let written = try JSONSerialization.jsonObject(with: Data(buffer: json.buffer)) as? NSArray
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode([dto, dto])) as? NSArray
        #expect(written != nil && written == encoded)
    }

    @Test func listsWriteAsTheyEncode() throws {
        // setup
        let message = MessageDTO(
            StoredMessage(id: 1, senderID: 4, receiverID: 5, guestSessionID: nil, pairLowID: 4, pairHighID: 5,
                          senderName: "Bob \"B\"", pseudo: nil, content: "Hi\n", createdAt: Date()),
            read: false)
        let guests = GuestConversationList(
            pseudos: ["Invité-1", "a\\b"],
            conversations: [.init(pseudo: "Invité-1", lastMessage: message, unread: 3)])
        let direct = DirectConversationList(conversations: [
            .init(user: UserDTO(id: 5, username: "bob", displayName: "Bob \"B\""), lastMessage: message, unread: 0),
        ])
        let sent = [SentResponse(message: message, guestToken: "tok"), SentResponse(message: message, guestToken: nil)]

        // act + check
        for (value, encodable) in [(guests as any JSONWritable, guests as any Encodable), (direct, direct), (sent[0], sent[0]), (sent[1], sent[1])] {
            var json = JSONWriter()
            value.write(to: &json)
            let written = try JSONSerialization.jsonObject(with: Data(buffer: json.buffer)) as? NSDictionary
            let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(encodable)) as? NSDictionary
            #expect(written != nil && written == encoded, "\(String(buffer: json.buffer))")
        }
    }
}
