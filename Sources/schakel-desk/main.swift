import Desk
import Foundation

exit(DeskMain.run(CommandLine.arguments))
