import Fluent

/// The schema's history, in order. Append; never edit a migration that has shipped.
enum SchemaMigrations {
    static let all: [any Migration] = [
        CreateUsers(),
        CreateQRCodes(),
        CreateChat(),
        CreateSocketTickets(),
        CreateRateBuckets(),
        CreateServerSecrets(),
        AddOwnerControls(),
        AddTagControls(),
        AddPostgresSendFunctions(),
        PostgresSendsUpdateEachRowOnce(),
        AddPostgresSendBatches(),
    ]
}
