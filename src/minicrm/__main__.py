from minicrm.entry import main

main()
