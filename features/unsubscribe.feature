Feature: Unsubscribe
  A cancelled subscription unsubscribes the contact and keeps it. A contact who
  unsubscribed through a mailing's link stays unsubscribed: the interface never
  subscribes anybody again who did not subscribe again in the portal.

  Background:
    Given the portal has a newsletter "Weekly news"

  Scenario: A cancelled subscription keeps the contact, unsubscribed and not active
    Given "anna@example.org" is subscribed to "Weekly news" in both systems
    When "anna@example.org" cancels "Weekly news" in the portal
    And the interface synchronises
    Then "Weekly news" has the contact "anna@example.org"
    And the contact "anna@example.org" in "Weekly news" is unsubscribed
    And "Weekly news" counts 0 active contacts

  Scenario: Cancelling one newsletter does not touch the other
    Given the portal has a newsletter "Special offers"
    And "ben@example.org" is subscribed to "Weekly news" in both systems
    And "ben@example.org" is subscribed to "Special offers" in both systems
    When "ben@example.org" cancels "Special offers" in the portal
    And the interface synchronises
    Then the contact "ben@example.org" in "Special offers" is unsubscribed
    And the contact "ben@example.org" in "Weekly news" is subscribed

  Scenario: Subscribing again makes the contact active again
    Given "carla@example.org" is subscribed to "Weekly news" in both systems
    And "carla@example.org" cancels "Weekly news" in the portal
    And the interface has synchronised
    When "carla@example.org" subscribes to "Weekly news"
    And the interface synchronises
    Then the contact "carla@example.org" in "Weekly news" is subscribed
    And "Weekly news" counts 1 active contact
    And "Weekly news" holds exactly the contacts "carla@example.org"

  Scenario: A contact who unsubscribed through a mailing stays unsubscribed
    Given "dora@example.org" is subscribed to "Weekly news" in both systems
    And "dora@example.org" unsubscribes from "Weekly news" through a mailing's link
    When "emil@example.org" subscribes to "Weekly news"
    And "dora@example.org" changes the last name to "Neumann" for "Weekly news" in the portal
    And the interface synchronises
    And the interface reconciles the account with the portal
    Then the contact "dora@example.org" in "Weekly news" is unsubscribed
    And the run reports that "dora@example.org" unsubscribed in Newsletter2Go
    And the contact "emil@example.org" in "Weekly news" is subscribed
