-- Reading a 50-message discussion between two users. The reader has nothing unread in it, so
-- the "mark as read" both implementations do on this GET changes nothing: it stays a read.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
wrk.method = "GET"
wrk.path = "/api/chat/discussion/" .. env("FRIEND_ID") .. "/"
wrk.headers["Authorization"] = "Token " .. env("READER_TOKEN")
