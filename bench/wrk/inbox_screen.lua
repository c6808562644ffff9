-- The same owner's guest list as the web inbox asks for it: ?include=conversations adds each
-- guest's last message and unread count (100 entries, about 27 kB). The peer has no such
-- option and answers its pseudonyms only, so only QRConnect's figures here say much.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
wrk.method = "GET"
wrk.path = "/api/chat/conversations-anonymes/?include=conversations"
wrk.headers["Authorization"] = "Token " .. env("INBOX_OWNER_TOKEN")
