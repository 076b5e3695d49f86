from jiuye.cli import main

main()
