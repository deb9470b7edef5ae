import Desk
