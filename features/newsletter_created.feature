Feature: Newsletter created
  The portal leads. Every newsletter in the portal gets its own address book in
  Newsletter2Go, created by the interface, never by hand.

  Scenario: A new newsletter gets exactly one address book of the same name
    Given the portal has a newsletter "Weekly news"
    When the interface synchronises
    Then the account has exactly one address book "Weekly news"

  Scenario: Synchronising again creates no second address book
    Given the portal has a newsletter "Weekly news"
    And the interface has synchronised
    When the interface synchronises everything again
    Then the account has exactly one address book "Weekly news"

  Scenario: A renamed newsletter renames its address book
    Given the portal has a newsletter "Weekly news"
    And the interface has synchronised
    When the newsletter "Weekly news" is renamed to "Weekly digest" in the portal
    And the interface synchronises
    Then the account has exactly one address book "Weekly digest"
    And the account has no address book "Weekly news"

  Scenario: Two newsletters get two address books
    Given the portal has a newsletter "Product news"
    And the portal has a newsletter "Special offers"
    When the interface synchronises
    Then the account has exactly one address book "Product news"
    And the account has exactly one address book "Special offers"

  Scenario Outline: Newsletter names arrive as they are written
    Given the portal has a newsletter "<name>"
    When the interface synchronises
    Then the account has exactly one address book "<name>"

    Examples:
      | name                                                  |
      | Wöchentliches Update für Ärzte                        |
      | Ça va? News & Angebote (2027)                         |
      | A long newsletter name that still fits in fifty-four |
