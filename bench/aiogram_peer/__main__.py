from bench.aiogram_peer.app import main

main()
