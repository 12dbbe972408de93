Feature: Duties of cooperation (credentials)
  The customer hands over three items from the account's API tab: the auth key,
  the username and the password, and switches developer mode on. The interface's
  checklist tells which of them is wrong.

  Scenario: Valid credentials pass the checklist
    Given the customer's credentials
    When the interface checks the credentials
    Then every check passes

  Scenario: A wrong auth key fails with its own message
    Given the customer's credentials with a wrong auth key
    When the interface checks the credentials
    Then the check "auth key accepted" fails and names "N2G_AUTH_KEY"

  Scenario: A wrong password fails with its own message
    Given the customer's credentials with a wrong password
    When the interface checks the credentials
    Then the check "auth key accepted" passes
    And the check "username and password accepted" fails and names "N2G_PASSWORD"

  @mock_only
  Scenario: An account without developer mode fails with its own message
    Given the credentials of an account without developer mode
    When the interface checks the credentials
    Then the check "username and password accepted" passes
    And the check "developer mode on" fails and names "developer mode"
