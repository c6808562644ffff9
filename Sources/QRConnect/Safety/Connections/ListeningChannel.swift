import NIOConcurrencyHelpers
import NIOCore
import Vapor

/// Finds the listening (server) channel of a started Vapor `HTTPServer`.
///
/// Vapor 4 gives no hook into its channel pipelines and keeps the channel private:
/// `HTTPServer.connection` is a `NIOLockedValueBox<HTTPServerConnection?>` and the private
/// `HTTPServerConnection` holds `channel`. We read that path by reflection (`Mirror`), which
/// depends on those stored property names: a Vapor release that renames or restructures them makes
/// this throw, and `GuardedServer` then refuses to start rather than serve without its guards.
/// (docs/DESIGN.md, "Safety", says the same for whoever upgrades Vapor.)
enum ListeningChannel {
    struct NotFound: Error, CustomStringConvertible {
        let step: String
        var description: String {
            "Cannot reach Vapor's listening channel (\(step)); the connection guards depend on HTTPServer's private layout "
                + "(see Safety/Connections/ListeningChannel.swift) and the server will not start without them."
        }
    }

    static func of(_ server: HTTPServer) throws -> any Channel {
        guard let box = Mirror(reflecting: server).descendant("connection") else {
            throw NotFound(step: "HTTPServer has no stored property `connection`")
        }
        guard let lockedBox = box as? any ReflectableLockedBox else {
            throw NotFound(step: "HTTPServer.connection is a \(type(of: box)), not a NIOLockedValueBox")
        }
        // The box holds an `HTTPServerConnection?`: nil until the server has started.
        let optional = lockedBox.currentValue
        let optionalMirror = Mirror(reflecting: optional)
        guard optionalMirror.displayStyle == .optional else {
            throw NotFound(step: "HTTPServer.connection holds a \(type(of: optional)), not an optional")
        }
        guard let connection = optionalMirror.children.first?.value else {
            throw NotFound(step: "the server has not started")
        }
        guard let channel = Mirror(reflecting: connection).descendant("channel") as? any Channel else {
            throw NotFound(step: "\(type(of: connection)) has no stored `channel`")
        }
        // The right channel is the one the server reports as listening.
        guard channel.localAddress == server.localAddress, channel.isActive else {
            throw NotFound(step: "the channel found is not the listening one")
        }
        return channel
    }
}

/// Reads the value of a `NIOLockedValueBox` whose type parameter cannot be named (Vapor's
/// `HTTPServerConnection` is private), under its lock.
private protocol ReflectableLockedBox {
    var currentValue: Any { get }
}

extension NIOLockedValueBox: ReflectableLockedBox {
    fileprivate var currentValue: Any { withLockedValue { $0 } }
}
