// A person with an account. Emails are unique case-insensitively.

export interface User {
  id: string
  email: string
  name: string
  emailVerified: boolean
  createdAt: Date
}
